"""`sora-studio bench gpu|engine|export|ui`: print benchmark tables (JSON with --json)."""

from __future__ import annotations

import argparse
import importlib

from sora_studio.bench import BENCHMARKS
from sora_studio.cli import emit, json_parent


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", parents=[json_parent()], help="run a benchmark and print its table")
    p.add_argument("name", choices=sorted(BENCHMARKS), help="which benchmark")
    p.add_argument("--quick", action="store_true", help="small sizes (seconds, for CI smoke runs)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    module = importlib.import_module(BENCHMARKS[args.name])
    result = module.run(quick=args.quick)
    emit(args, result, module.format(result))
    return 0
