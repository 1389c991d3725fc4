"""Shape rules of model families: snap sizes and frame counts to valid values with a visible notice.

Absurd requests (empty prompt, zero or enormous durations) are refused rather than silently fixed.
"""

from __future__ import annotations

from sora_studio.core.models.manifest import FamilyRules
from sora_studio.errors import BadInput

MAX_PROMPT_CHARS = 2000
MAX_SIDE = 4096


def check_prompt(prompt: str) -> str:
    text = (prompt or "").strip()
    if not text:
        raise BadInput("the prompt is empty; describe the shot you want")
    if len(text) > MAX_PROMPT_CHARS:
        raise BadInput(f"the prompt is {len(text)} characters; keep it under {MAX_PROMPT_CHARS}")
    return text


def snap_size(width: int, height: int, rules: FamilyRules, notices: list[str]) -> tuple[int, int]:
    """Round each side to the nearest multiple of the family's size_multiple (at least one multiple)."""
    for name, value in (("width", width), ("height", height)):
        if value <= 0 or value > MAX_SIDE:
            raise BadInput(f"{name} {value} is out of range; use 1..{MAX_SIDE} pixels")
    m = rules.size_multiple

    def snap(v: int) -> int:
        return max(m, int(round(v / m)) * m)

    w, h = snap(width), snap(height)
    if (w, h) != (width, height):
        notices.append(f"size {width}x{height} rounded to {w}x{h} (this model needs multiples of {m})")
    return w, h


def valid_frame_counts(rules: FamilyRules, limit: int | None = None) -> list[int]:
    top = limit or rules.max_frames
    return list(range(rules.frame_offset or rules.frame_multiple, top + 1, rules.frame_multiple))


def frames_for_seconds(seconds: float, fps: int, rules: FamilyRules, notices: list[str]) -> int:
    """Frames for a duration by the family's rule (frame_multiple*k + frame_offset), refusing absurd values."""
    if not seconds or seconds <= 0:
        raise BadInput(f"duration {seconds!r} s is not positive; ask for a few seconds")
    wanted = seconds * fps
    longest = rules.max_frames / fps
    if wanted > rules.max_frames * 1.25:
        raise BadInput(
            f"{seconds:g} s is too long for this model: at most {longest:.2f} s "
            f"({rules.max_frames} frames at {fps} fps)"
            "; split longer shots in the storyboard"
        )
    m, off = rules.frame_multiple, rules.frame_offset
    k = max(0 if off else 1, round((wanted - off) / m))
    frames = min(k * m + off, rules.max_frames)
    if frames != wanted:
        notices.append(
            f"{seconds:g} s at {fps} fps = {wanted:g} frames, rounded to {frames} "
            f"(this model needs {m}k+{off} frames, at most {rules.max_frames})"
        )
    return frames


def check_range(name: str, value: float, low: float, high: float) -> None:
    if not (low <= value <= high):
        raise BadInput(f"{name} {value!r} is out of range; use {low:g}..{high:g}")
