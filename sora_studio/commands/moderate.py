"""`sora-studio moderate TEXT [--cameo NAME ...] [--classifier DIR|installed] [--json]`: the policy verdict.

Exit codes follow the contract: 0 allowed, 3 refused, 2 bad input.
"""

from __future__ import annotations

import argparse

from sora_studio.cli import emit, json_parent
from sora_studio.errors import BadInput


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "moderate",
        parents=[json_parent()],
        help="check a prompt against the content policy (exit 0 allowed, 3 refused)",
    )
    p.add_argument("text", help="the prompt to check")
    p.add_argument(
        "--cameo",
        action="append",
        default=[],
        metavar="NAME",
        help="a person present as a permitted cameo (repeatable); turns on the stricter cameo rules",
    )
    p.add_argument(
        "--classifier",
        metavar="DIR",
        help="also run the optional text classifier: a local model folder (safetensors only), or 'installed' "
        "for the one downloaded into the studio's data folder",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from sora_studio.core.safety.policy import moderate

    if not args.text.strip():
        raise BadInput("the prompt is empty; pass the text to check")
    classifier = None
    if args.classifier:
        from sora_studio.core.safety.classifier import TextClassifier, installed_classifier

        if args.classifier == "installed":
            classifier = installed_classifier()
            if classifier is None:
                raise BadInput("no safety classifier is installed; download it first (see docs/safety.md)")
        else:
            classifier = TextClassifier.load(args.classifier)
    verdict = moderate(args.text, cameo_present=bool(args.cameo), cameo_names=args.cameo, classifier=classifier)
    emit(args, verdict.to_dict(), verdict.describe())
    return 0 if verdict.allowed else 3
