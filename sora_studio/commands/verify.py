"""`sora-studio verify FILE [--json]`: Content Credentials, trace mark and ledger record of a file."""

from __future__ import annotations

import argparse

from sora_studio.cli import emit, json_parent


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("verify", parents=[json_parent()],
                            help="check a file's Content Credentials, trace mark and ledger record",
                            description="Report a file's C2PA state (Trusted / Valid / Invalid / none), signer, "
                                        "actions and ingredients; this studio's invisible trace mark (id and "
                                        "confidence); and the matching record in this install's ledger.")
    parser.add_argument("file", help="video or image file to check")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sora_studio.core.provenance.verify import summary_lines, verify_file

    report = verify_file(args.file)
    emit(args, report, "\n".join(summary_lines(report)))
    return 0
