"""Read and validate Content Credentials in any file (ours or another tool's) without ever crashing on it.

States: "Trusted" (valid and signed by a CA in our anchors: this install's own CA or a configured one),
"Valid" (intact and correctly signed, by a certificate we do not know), "Invalid" (tampered or broken),
"none" (no manifest), "unsupported" (a format C2PA cannot carry), "error" (unreadable file).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import c2pa

from sora_studio.core.provenance.c2pa_sign import RECIPE_LABEL
from sora_studio.core.provenance.certificates import trust_anchors


@dataclass
class CredentialReport:
    state: str
    message: str
    signer: str | None = None
    issuer: str | None = None
    signed_at: str | None = None
    claim_generator: str | None = None
    actions: list[dict[str, Any]] = field(default_factory=list)
    ingredients: list[dict[str, Any]] = field(default_factory=list)
    studio: dict[str, Any] | None = None  # our org.sorastudio.recipe assertion, when present
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _context(anchors: list[bytes]) -> c2pa.Context | None:
    if not anchors:
        return None
    pem = "\n".join(a.decode("ascii", "replace").strip() for a in anchors) + "\n"
    return c2pa.Context(c2pa.Settings.from_dict({"trust": {"user_anchors": pem}}))


def read_credentials(path: str | os.PathLike[str], anchors: list[bytes] | None = None) -> CredentialReport:
    """Validate the file's C2PA manifest against `anchors` (default: trust_anchors())."""
    path = Path(path)
    if not path.is_file():
        return CredentialReport("error", f"{path} does not exist or is not a file")
    anchors = trust_anchors() if anchors is None else anchors
    try:
        context = _context(anchors)
        reader = c2pa.Reader(str(path), context=context) if context else c2pa.Reader(str(path))
    except c2pa.C2paError as exc:
        return _no_manifest_report(path, exc)
    try:
        with reader:
            state = str(reader.get_validation_state() or "Invalid")
            results = reader.get_validation_results() or {}
            store = json.loads(reader.json())
    except (c2pa.C2paError, ValueError) as exc:
        return CredentialReport("Invalid", f"the Content Credentials in {path.name} cannot be read: {exc}")
    return _summarise(path, state, results, store)


def _no_manifest_report(path: Path, exc: Exception) -> CredentialReport:
    kind = type(exc).__name__
    text = str(exc)
    if "ManifestNotFound" in kind or "ManifestNotFound" in text:
        return CredentialReport("none", f"{path.name} carries no Content Credentials")
    if "NotSupported" in kind or "NotSupported" in text:
        return CredentialReport("unsupported", f"{path.suffix or 'this'} files are not a format C2PA can carry")
    if "Io" in kind:
        return CredentialReport("error", f"{path.name} cannot be read: {text}")
    return CredentialReport("Invalid", f"{path.name} has damaged or unparseable Content Credentials: {text}")


def _summarise(path: Path, state: str, results: dict, store: dict) -> CredentialReport:
    manifest = store.get("manifests", {}).get(store.get("active_manifest") or "", {})
    failed = results.get("activeManifest", {}).get("failure", [])
    failures = [f"{f.get('code')}: {f.get('explanation', '')}" for f in failed]
    untrusted_only = all(f.startswith("signingCredential.untrusted") for f in failures)
    if state == "Valid" and failures and not untrusted_only:
        state = "Invalid"
    sig = manifest.get("signature_info", {})
    actions, studio = [], None
    for assertion in manifest.get("assertions", []):
        label = assertion.get("label", "")
        if label.startswith("c2pa.actions"):
            keep = ("action", "digitalSourceType", "description", "softwareAgent")
            actions += [{k: v for k, v in a.items() if k in keep} for a in assertion.get("data", {}).get("actions", [])]
        elif label == RECIPE_LABEL:
            studio = assertion.get("data")
    ingredients = [{"title": i.get("title"), "relationship": i.get("relationship"), "format": i.get("format"),
                    "has_credentials": bool(i.get("active_manifest") or i.get("manifest_data"))}
                   for i in manifest.get("ingredients", [])]
    generators = manifest.get("claim_generator_info") or []
    generator = ", ".join(f"{g.get('name')} {g.get('version', '')}".strip() for g in generators)
    generator = generator or manifest.get("claim_generator")
    message = {
        "Trusted": "Content Credentials are intact and signed by a trusted certificate",
        "Valid": "Content Credentials are intact, but the signer's certificate is not one this studio trusts",
        "Invalid": "Content Credentials are present but do NOT validate (the file or its manifest was altered)",
    }.get(state, f"validation state {state}")
    return CredentialReport(state, message, sig.get("common_name"), sig.get("issuer"), sig.get("time"), generator,
                            actions, ingredients, studio, [] if state != "Invalid" else failures)
