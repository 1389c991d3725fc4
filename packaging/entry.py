"""Entry point of the packaged app (PyInstaller runs this as __main__).

Besides the normal CLI/GUI it answers the one invocation a frozen binary cannot otherwise handle:
`sora-studio -m sora_studio.engine.worker` — the engine client starts its worker as `sys.executable -m ...`,
and in a bundle sys.executable is this program, not a Python interpreter.
"""

import runpy
import sys


def main() -> int:
    argv = sys.argv[1:]
    if argv[:2] == ["-m", "sora_studio.engine.worker"]:
        sys.argv = [sys.argv[0], *argv[2:]]
        runpy.run_module("sora_studio.engine.worker", run_name="__main__", alter_sys=True)
        return 0
    from sora_studio.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
