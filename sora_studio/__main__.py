from sora_studio.cli import main

raise SystemExit(main())
