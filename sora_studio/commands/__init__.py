"""CLI sub-commands, one module per group; each exposes register(subparsers)."""
