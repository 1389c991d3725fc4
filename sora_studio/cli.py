"""`sora-studio` entry point: the GUI when no sub-command is given, otherwise a CLI sub-command.

Sub-commands live in sora_studio.commands.*; each module exposes `register(subparsers)` and sets a
`func(args) -> int` default. Exit codes follow the contract: 0 ok, 1 runtime failure, 2 bad input
(one-line reason on stderr), 3 refused by policy.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any

from sora_studio import __version__
from sora_studio.errors import BadInput, Cancelled, StudioError

# module name in sora_studio.commands -> sub-command names it registers (kept here so that
# `sora-studio PATH` can tell a project path from a sub-command without importing everything)
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "project": ("new", "info"),
    "timeline": ("timeline",),
    "render": ("render",),
    "models": ("models",),
    "generate": ("generate",),
    "storyboard": ("storyboard",),
    "verify": ("verify",),
    "moderate": ("moderate",),
    "cameo": ("cameo",),
    "farm": ("farm",),
    "bench": ("bench",),
    "cert": ("cert",),
}


def json_parent() -> argparse.ArgumentParser:
    """Parent parser that adds --json to a sub-command."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout")
    return parent


def emit(args: argparse.Namespace, data: dict[str, Any], human: str) -> None:
    """Print `data` as JSON when --json was given, otherwise the human text."""
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, default=str))
    elif human:
        print(human)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's usage errors are bad input: exit 2
        self.print_usage(sys.stderr)
        print(f"sora-studio: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sora-studio", description="Sora Studio: local AI video studio (GUI without a sub-command)")
    parser.add_argument("--version", action="version", version=f"sora-studio {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="check this install: editor window, tiny render, encode, C2PA sign and verify")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"sora_studio.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"sora_studio.commands.{module_name}":
                continue  # that command group is not built yet
            raise
        module.register(sub)
    return parser


def _is_gui_invocation(argv: list[str]) -> bool:
    known = {name for names in COMMAND_MODULES.values() for name in names}
    positional = [a for a in argv if not a.startswith("-")]
    flags = [a for a in argv if a.startswith("-")]
    if any(f in ("-h", "--help", "--version") for f in flags):
        return False
    return not positional or positional[0] not in known


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--self-test"]:
        from sora_studio.selftest import run_self_test

        return run_self_test()
    if _is_gui_invocation(argv):
        from sora_studio.ui.app import run_gui  # Qt is imported only for the GUI

        return run_gui(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("sora-studio: cancelled", file=sys.stderr)
        return 130
    except Cancelled as exc:
        print(f"sora-studio: cancelled: {exc}", file=sys.stderr)
        return 1
    except StudioError as exc:
        print(f"sora-studio: {'error' if isinstance(exc, BadInput) else 'failed'}: {exc}", file=sys.stderr)
        return exc.exit_code
    except FileNotFoundError as exc:
        print(f"sora-studio: error: file not found: {exc.filename}", file=sys.stderr)
        return 2
