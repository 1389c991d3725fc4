"""`sora-studio models list | pull ID | import ID PATH | make-tiny DIR --family F`."""

from __future__ import annotations

import argparse
import sys

from sora_studio.cli import emit, json_parent


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list, download, import or build models")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    ls = msub.add_parser("list", parents=[json_parent()], help="known models, installed or not, with licences")
    ls.set_defaults(func=_list)
    pull = msub.add_parser("pull", parents=[json_parent()], help="download a model (safetensors only)")
    pull.add_argument("id")
    pull.add_argument("--accept-licence", "--accept-license", action="store_true", dest="accept_licence",
                      help="accept the model's licence (recorded with the date)")
    pull.set_defaults(func=_pull)
    imp = msub.add_parser("import", parents=[json_parent()], help="register a local diffusers folder")
    imp.add_argument("id")
    imp.add_argument("path")
    imp.add_argument("--accept-licence", "--accept-license", action="store_true", dest="accept_licence")
    imp.set_defaults(func=_import)
    tiny = msub.add_parser("make-tiny", parents=[json_parent()],
                           help="build a tiny random-weight pipeline (produces noise; for tests and offline demos)")
    tiny.add_argument("dir")
    tiny.add_argument("--family", default="wan",
                      choices=["wan", "wan-i2v", "wan-flf2v", "wan-vace", "ltx2", "stable-audio"])
    tiny.add_argument("--seed", type=int, default=0)
    tiny.add_argument("--register", action="store_true", help="also register it as the built-in tiny model")
    tiny.set_defaults(func=_make_tiny)


def _list(args: argparse.Namespace) -> int:
    from sora_studio.core.models.install import list_models

    rows = list_models()
    lines = []
    for r in rows:
        state = "installed" if r["installed"] else ("built on first use" if r["tiny"] else "not installed")
        size = f"{r['size_on_disk_bytes'] / 1024**3:.2f} GB" if r["installed"] and not r["tiny"] else (
            f"{r['size_on_disk_bytes'] / 1024:.0f} KB" if r["installed"] else f"~{r['size_gb']:g} GB download")
        flags = "; ".join(r["licence_flags"]) or "no restrictions flagged"
        noise = "  [TINY: random weights, produces noise]" if r["tiny"] else ""
        lines.append(f"{r['id']:24} {state:20} {size:18} {r['licence']} ({flags}){noise}")
    emit(args, {"models": rows}, "\n".join(lines))
    return 0


def _pull(args: argparse.Namespace) -> int:
    from sora_studio.core.models.install import pull

    entry = pull(args.id, accept_licence=args.accept_licence, progress=lambda m: print(m, file=sys.stderr))
    emit(args, entry.__dict__, f"installed {entry.id} at {entry.path} ({entry.size_bytes / 1024**3:.2f} GB)")
    return 0


def _import(args: argparse.Namespace) -> int:
    from sora_studio.core.models.install import import_folder

    entry = import_folder(args.id, args.path, accept_licence=args.accept_licence)
    emit(args, entry.__dict__, f"registered {entry.id} -> {entry.path}")
    return 0


def _make_tiny(args: argparse.Namespace) -> int:
    from sora_studio.core.models.install import import_folder
    from sora_studio.core.models.manifest import tiny_manifest_for_family
    from sora_studio.core.models.tiny import build_tiny

    path = build_tiny(args.dir, args.family, seed=args.seed)
    model_id = tiny_manifest_for_family(args.family).id
    if args.register:
        import_folder(model_id, path)
    emit(args, {"path": str(path), "family": args.family, "model_id": model_id, "produces_noise": True},
         f"built tiny {args.family} pipeline in {path} (random weights: it produces noise, not video)")
    return 0
