"""The engine's job protocol: one JSON object per line over the worker's stdin/stdout.

UI -> worker:  submit{job_id, request, output}   cancel{job_id}   shutdown{}
worker -> UI:  ready{pid, device, threads}   started{job_id}   progress{job_id, step, steps, eta_s}
               preview{job_id, step, format, frames: [base64 PNG, ...]}
               result{job_id, media, recipe, notices, produces_noise}
               failed{job_id, error: {kind, message}}   kind: cancelled | bad_input | refused | runtime |
               out_of_memory | crashed
The farm speaks the same messages.
"""

from __future__ import annotations

import json
from typing import Any

from sora_studio.errors import BadInput, Cancelled, Refused, StudioError

TO_WORKER = frozenset({"submit", "cancel", "shutdown"})
FROM_WORKER = frozenset({"ready", "started", "progress", "preview", "result", "failed"})
FAILURE_KINDS = frozenset({"cancelled", "bad_input", "refused", "runtime", "out_of_memory", "crashed"})


class ProtocolError(ValueError):
    """A line that is not a protocol message (the peer is broken or something wrote to its stdout)."""


def encode(message_type: str, **fields: Any) -> str:
    if message_type not in TO_WORKER | FROM_WORKER:
        raise ProtocolError(f"unknown message type {message_type!r}")
    return json.dumps({"type": message_type, **fields}, separators=(",", ":"), default=str) + "\n"


def decode(line: str) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"not JSON: {line[:200]!r}") from exc
    if not isinstance(message, dict) or message.get("type") not in TO_WORKER | FROM_WORKER:
        raise ProtocolError(f"not a protocol message: {line[:200]!r}")
    return message


def failure(job_id: str, kind: str, message: str) -> str:
    return encode("failed", job_id=job_id, error={"kind": kind, "message": message})


def result_or_raise(final: dict[str, Any] | None, who: str = "the engine") -> dict[str, Any]:
    """The result fields of a job's final message; a failure raises the matching error (exit codes follow)."""
    if final is not None and final.get("type") == "result":
        return {k: v for k, v in final.items() if k != "type"}
    error = (final or {}).get("error", {"kind": "runtime", "message": f"no answer from {who}"})
    cls = {"bad_input": BadInput, "refused": Refused, "cancelled": Cancelled}.get(error.get("kind"), StudioError)
    raise cls(error.get("message", "generation failed"))
