"""`sora-studio cert install|show|reset`: which certificate signs this install's Content Credentials.

`install` checks a user chain + key (key matches the leaf; leaf has digitalSignature, the emailProtection or
documentSigning EKU and an AKI; not expired; leaf followed by its issuing CA) and signs with it from then on.
`reset` goes back to the per-install CA made on first use. Exit 2 with the reason when a certificate is refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sora_studio.cli import emit, json_parent


def register(sub: argparse._SubParsersAction) -> None:
    parent = json_parent()
    cert = sub.add_parser("cert", help="choose the certificate that signs exports (Content Credentials)")
    csub = cert.add_subparsers(dest="cert_command", metavar="ACTION", required=True)
    p = csub.add_parser("install", parents=[parent], help="sign exports with your own certificate chain")
    p.add_argument("--chain", type=Path, required=True, help="PEM: the signing (leaf) certificate, then its CA(s)")
    p.add_argument("--key", type=Path, required=True, help="PEM: the leaf's private key (EC P-256, unencrypted)")
    p.add_argument("--anchor", type=Path, help="PEM: a CA to treat as trusted in `verify` (optional)")
    p.set_defaults(func=_install)
    p = csub.add_parser("show", parents=[parent], help="show the current signer and when it expires")
    p.set_defaults(func=_show)
    p = csub.add_parser("reset", parents=[parent], help="go back to this install's own CA")
    p.set_defaults(func=_reset)


def _describe_text(info: dict) -> str:
    if not info.get("signer"):
        return f"Signer: none readable ({info['kind']}): " + "; ".join(info["problems"])
    lines = [f"Signer: {info['signer']} ({info['kind']})", f"  issued by: {info['issuer']}",
             f"  valid: {info['not_before'][:10]} to {info['expires'][:10]}"]
    if info.get("timestamp_url"):
        lines.append(f"  timestamp authority: {info['timestamp_url']}")
    lines += [f"  PROBLEM: {p} - exports will be UNSIGNED until this is fixed" for p in info["problems"]]
    return "\n".join(lines)


def _install(args: argparse.Namespace) -> int:
    from sora_studio.core.provenance.certificates import describe_identity, install_user_certificate

    info = describe_identity(install_user_certificate(args.chain, args.key, args.anchor))
    emit(args, info, "Installed. Exports are now signed with your certificate.\n" + _describe_text(info))
    return 0


def _show(args: argparse.Namespace) -> int:
    from sora_studio.core.provenance.certificates import current_identity, describe_identity

    info = describe_identity(current_identity())
    emit(args, info, _describe_text(info))
    return 0


def _reset(args: argparse.Namespace) -> int:
    from sora_studio.core.provenance.certificates import current_identity, describe_identity, use_user_certificate

    use_user_certificate(None, None)
    info = describe_identity(current_identity())
    emit(args, info, "Exports are signed with this install's own CA again.\n" + _describe_text(info))
    return 0
