"""Everything `sora-studio verify FILE` reports: Content Credentials, the trace mark, and the ledger record.

The three are independent on purpose: stripping metadata removes C2PA but not the mark in the pixels, and
the ledger recognises files by mark id, exact hash or perceptual fingerprint.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from sora_studio.core.cancel import CancelToken
from sora_studio.core.provenance.c2pa_verify import read_credentials
from sora_studio.core.provenance.fingerprint import file_fingerprints
from sora_studio.core.provenance.frames import luma_frames
from sora_studio.core.provenance.ledger import Ledger, sha256_file
from sora_studio.core.provenance.trace_mark import Detection, TraceMarkDetector
from sora_studio.errors import BadInput

ANALYSE_SECONDS = 10.0  # the mark needs ~5 s; more only costs time


Progress = Callable[[str, float], None]  # (stage, fraction done 0..1)


def detect_file(path: str | os.PathLike[str], max_seconds: float = ANALYSE_SECONDS,
                key: bytes | None = None, known_ids: np.ndarray | None = None,
                progress: Progress | None = None, cancel: CancelToken | None = None) -> dict[str, Detection] | None:
    """Run the trace-mark detector over the first `max_seconds` of a video (or one image), per layer.

    None when the file has no decodable picture (audio, text, a damaged file). `known_ids` (the ledger's
    issued ids) lets a mark too weak to decode blind still be recognised.
    """
    detector = TraceMarkDetector(key, known_ids)
    try:
        for t, luma in luma_frames(path, max_seconds):
            if cancel is not None:
                cancel.raise_if_cancelled()
            detector.add(luma)
            if progress is not None:
                progress("trace mark", min(1.0, t / max_seconds))
    except BadInput:
        if detector.frames == 0:
            return None  # a damaged tail still lets us analyse what decoded
    return detector.results() if detector.frames else None


def verify_file(path: str | os.PathLike[str], progress: Progress | None = None,
                cancel: CancelToken | None = None) -> dict[str, Any]:
    """The full report as a dict (the CLI's --json output). `progress(stage, fraction)` and `cancel` (raises
    errors.Cancelled at the next frame) let the GUI run it on a worker thread."""
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path} does not exist")
    if not path.is_file():
        raise BadInput(f"{path} is not a file")
    if progress is not None:
        progress("Content Credentials", 0.0)
    credentials = read_credentials(path)
    with Ledger() as ledger:
        issued = ledger.mark_ids()
    layers = detect_file(path, known_ids=issued, progress=progress, cancel=cancel)
    if cancel is not None:
        cancel.raise_if_cancelled()
    if progress is not None:
        progress("ledger", 1.0)
    trace: dict[str, Any]
    if layers is None:
        trace = {"found": False, "id": None, "confidence": 0.0, "analysed": False,
                 "message": "no decodable video or image to look for a trace mark in"}
        found: list[Detection] = []
    else:
        found = [d for d in layers.values() if d.found]
        best = max(layers.values(), key=lambda d: (d.found, d.z_score))
        trace = best.to_dict() | {"analysed": True, "layers": {name: d.to_dict() for name, d in layers.items()}}
        trace["message"] = (f"trace mark {trace['id']} found (false-positive probability "
                            f"{best.false_positive_probability:.1e})" if best.found else
                            "no trace mark of this studio found")
    ledger_info = _ledger_lookup(path, layers is not None, found, credentials.studio)
    report = {"file": str(path), "c2pa": credentials.to_dict(), "trace_mark": trace, "ledger": ledger_info}
    return report | {"verdict": verdict(report)}


def _ledger_lookup(path: Path, decodable: bool, found: list[Detection], studio: dict[str, Any] | None
                   ) -> dict[str, Any]:
    with Ledger() as ledger:
        recovered = str(ledger.recovered_from) if ledger.recovered_from else None
        digest = sha256_file(path)
        record = ledger.by_sha256(digest)
        if record is not None:
            return {"match": "sha256", "record": record.to_dict(), "recovered_from": recovered}
        # the export layer names the exported file; the generation layer the clip inside it
        for detection in sorted(found, key=lambda d: d.alignment.get("layer") != "export"):
            record = ledger.by_mark(detection.mark_id)  # type: ignore[arg-type]
            if record is not None:
                return {"match": "trace_mark", "record": record.to_dict(), "recovered_from": recovered}
        if studio and studio.get("trace_mark_id"):
            record = ledger.by_mark(str(studio["trace_mark_id"]))
            if record is not None:
                return {"match": "c2pa_assertion", "record": record.to_dict(), "recovered_from": recovered}
        if decodable:  # a decodable video: try what it looks like
            try:
                best = ledger.by_fingerprints(file_fingerprints(path, max_seconds=30.0))
            except BadInput:
                best = None
            if best is not None:
                return {"match": "fingerprint", "score": round(best[1], 3), "record": best[0].to_dict(),
                        "recovered_from": recovered}
    return {"match": None, "record": None, "recovered_from": recovered}


STATE_MEANING = {
    "Trusted": "intact, and signed by this install's certificate or one you configured as trusted",
    "Valid": "intact and correctly signed, but by a certificate this studio does not know",
    "Invalid": "present but broken: the file or its manifest was changed after signing",
    "none": "no Content Credentials in the file (never signed, or removed by re-encoding or editing)",
    "unsupported": "a format that cannot carry Content Credentials",
    "error": "the file could not be read",
}


def verdict(report: dict[str, Any]) -> str:
    """One plain sentence on what the three signals together say (shown first by the CLI and the GUI)."""
    state, t, led = report["c2pa"]["state"], report["trace_mark"], report["ledger"]
    record = led.get("record")
    traced = (f"the invisible trace mark {t['id']} still traces it to this studio"
              + (f" ({record['kind']} record {record['id']})" if record and led.get("match") == "trace_mark" else ""))
    if state == "Trusted":
        return "Authentic: signed Content Credentials are intact" + (" and the trace mark agrees." if t.get("found")
                                                                      else ".")
    if state == "Valid":
        return (f"Signed by {report['c2pa'].get('signer') or 'an unknown signer'}, a certificate this studio does "
                "not trust; the credentials are intact." + (f" Also, {traced}." if t.get("found") else ""))
    lost = {"Invalid": "The Content Credentials do not validate (the file was altered after signing)",
            "none": "The Content Credentials are missing (stripped, or lost when the file was re-encoded)"
            }.get(state, "This file carries no readable Content Credentials")
    if t.get("found"):
        return f"{lost}, but {traced}."
    if record is not None:
        return f"{lost} and no trace mark was found, but it looks like a file in this studio's ledger ({led['match']})."
    return f"{lost}, and nothing in it traces it to this studio."


def summary_lines(report: dict[str, Any]) -> list[str]:
    """Human-readable report for the terminal."""
    c, t, led = report["c2pa"], report["trace_mark"], report["ledger"]
    lines = [f"File: {report['file']}", report.get("verdict") or verdict(report),
             f"Content Credentials: {c['state']} - {c['message']}"]
    if c.get("signer"):
        lines.append(f"  signer: {c['signer']} (issued by {c.get('issuer') or 'unknown'})")
    if c.get("claim_generator"):
        lines.append(f"  made with: {c['claim_generator']}")
    for action in c.get("actions", []):
        source = action.get("digitalSourceType", "")
        lines.append(f"  action: {action.get('action')}" + (f" ({source.rsplit('/', 1)[-1]})" if source else ""))
    for ing in c.get("ingredients", []):
        lines.append(f"  ingredient: {ing.get('title')} ({ing.get('relationship')})")
    for failure in c.get("failures", []):
        lines.append(f"  problem: {failure}")
    if t.get("found"):
        lines.append(f"Trace mark: {t['id']} (confidence {t['confidence']:.6f}, z {t['z_score']:.1f})")
    else:
        lines.append(f"Trace mark: {t.get('message')}")
    if led.get("record"):
        rec = led["record"]
        lines.append(f"Ledger: {rec['kind']} {rec['id']} of {rec['created']} (matched by {led['match']})")
        recipe = rec.get("recipe") or {}
        for key in ("models", "model_id", "prompt_sha256", "seed", "cameo_ids"):
            if key in recipe:
                lines.append(f"  {key}: {recipe[key]}")
    else:
        lines.append("Ledger: no record of this file in this studio's ledger")
    if led.get("recovered_from"):
        lines.append(f"Note: the ledger was corrupt and was rebuilt; the damaged copy is {led['recovered_from']}")
    return lines

