"""Clip fades: kept in the clip's metadata so they travel through save, undo and OTIO without new fields.

    clip.metadata["sora_studio"]["fade_in"]     frames (timeline rate) from the clip's start, default 0
    clip.metadata["sora_studio"]["fade_out"]    frames before the clip's end, default 0
    clip.metadata["sora_studio"]["fade_curve"]  "equal-power" (default; crossfades keep their level) or "linear"

Fades are measured from the clip's edges on the timeline, so they stay at the edges after trims and moves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from fractions import Fraction

import numpy as np

from sora_studio.core.timeline.edit_base import ClipEdit
from sora_studio.core.timeline.model import NAMESPACE, Clip
from sora_studio.core.timeline.workspace import Workspace
from sora_studio.errors import BadInput

CURVES = ("equal-power", "linear")


def clip_fades(clip: Clip) -> tuple[int, int, str]:
    """(fade_in frames, fade_out frames, curve), clamped to the clip's length."""
    ours = clip.metadata.get(NAMESPACE) if isinstance(clip.metadata.get(NAMESPACE), dict) else {}
    fade_in = max(0, int(ours.get("fade_in", 0) or 0))
    fade_out = max(0, int(ours.get("fade_out", 0) or 0))
    curve = ours.get("fade_curve", "equal-power")
    if fade_in + fade_out > clip.duration:  # overlapping fades meet in the middle
        scale = clip.duration / (fade_in + fade_out)
        fade_in, fade_out = int(fade_in * scale), int(fade_out * scale)
    return fade_in, fade_out, curve if curve in CURVES else "equal-power"


def _shape(t: np.ndarray, curve: str) -> np.ndarray:
    return np.sin(t * np.pi / 2) if curve == "equal-power" else t


def fade_envelope(clip: Clip, rate: Fraction, first: int, count: int, sample_rate: int) -> np.ndarray | None:
    """Gain [count] for samples [first, first + count) counted from the clip's timeline start; None = no fade."""
    fade_in, fade_out, curve = clip_fades(clip)
    if not fade_in and not fade_out:
        return None
    per_frame = Fraction(sample_rate) / rate
    length = round(clip.duration * per_frame)
    index = np.arange(first, first + count, dtype=np.float64)
    gain = np.ones(count)
    if fade_in:
        n = round(fade_in * per_frame)
        gain = np.minimum(gain, _shape(np.clip(index / n, 0.0, 1.0), curve))
    if fade_out:
        n = round(fade_out * per_frame)
        gain = np.minimum(gain, _shape(np.clip((length - index) / n, 0.0, 1.0), curve))
    return gain.astype(np.float32)


class SetClipFades(ClipEdit):
    """Set fade in/out lengths (frames) and curve on clips; None leaves a value as it is."""

    label = "Clip Fades"

    def __init__(self, clip_ids: list[str], fade_in: int | None = None, fade_out: int | None = None,
                 curve: str | None = None) -> None:
        super().__init__()
        for name, value in (("fade in", fade_in), ("fade out", fade_out)):
            if value is not None and (isinstance(value, bool) or int(value) != value or value < 0):
                raise BadInput(f"{name} must be a whole number of frames >= 0, not {value!r}")
        if curve is not None and curve not in CURVES:
            raise BadInput(f"fade curve must be one of {', '.join(CURVES)}, not {curve!r}")
        self.clip_ids, self.fade_in, self.fade_out, self.curve = list(clip_ids), fade_in, fade_out, curve

    @property
    def merge_key(self) -> Hashable:
        return ("fades", tuple(self.clip_ids))

    def _plan(self, ws: Workspace) -> None:
        for clip_id in self.clip_ids:
            track_id, clip = ws.find(clip_id)
            if ws.track(track_id).locked:
                raise BadInput(f"clip {clip.name!r} is on a locked track")
            ours = dict(clip.metadata.get(NAMESPACE) or {})
            for key, value in (("fade_in", self.fade_in), ("fade_out", self.fade_out), ("fade_curve", self.curve)):
                if value is not None:
                    ours[key] = int(value) if key != "fade_curve" else value
            clips = ws.clips(track_id)
            clips[clips.index(clip)] = dataclasses.replace(clip, metadata={**clip.metadata, NAMESPACE: ours})
