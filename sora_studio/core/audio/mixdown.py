"""The export's master mix: every audible audio track with clip gain and fades, ambience ducked under
dialogue, the sum normalised to a loudness target with a peak ceiling, as 48 kHz stereo.

Loudness normalisation needs the whole programme before the first sample is written, so the master is
rendered once into memory (48 kHz stereo float32: 23 MB per minute) and then served in chunks through
`MasterMix.audio_samples`, the same call the export uses on TimelineCompositor.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from sora_studio.core.audio.ducking import DuckSettings, duck_gain
from sora_studio.core.audio.fades import fade_envelope
from sora_studio.core.audio.loudness import WEB_LUFS, integrated_loudness, limit, normalize
from sora_studio.core.audio.mix import TrackState, audible, db_to_gain
from sora_studio.core.audio.placement import track_role
from sora_studio.core.media.decode import AudioReader
from sora_studio.core.timeline.model import Timeline, Track
from sora_studio.errors import BadInput

Resolver = Callable[[str], "Path | str | os.PathLike[str]"]
DUCKED_ROLES = ("ambience", "music")
KEY_ROLES = ("dialogue",)


@dataclass(frozen=True)
class MixSettings:
    rate: int = 48000
    target_lufs: float | None = WEB_LUFS  # None: no normalisation (peak ceiling only)
    ceiling_dbfs: float = -1.0
    duck: DuckSettings = DuckSettings()
    ducking: bool = True


@dataclass
class MixReport:
    loudness_in: float = -math.inf  # LUFS of the mix before normalisation
    loudness_out: float = -math.inf
    gain_db: float = 0.0
    ducked_tracks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        r = lambda v: round(v, 2) if math.isfinite(v) else None  # noqa: E731
        return {"loudness_in_lufs": r(self.loudness_in), "loudness_out_lufs": r(self.loudness_out),
                "gain_db": round(self.gain_db, 2), "ducked_tracks": self.ducked_tracks, "warnings": self.warnings}


def samples_at(frame: int, timeline_rate: Fraction, rate: int) -> int:
    """Sample where a timeline frame starts (the same rounding as the compositor, so both agree)."""
    return round(Fraction(frame) * rate / timeline_rate)


def render_track(track: Track, timeline: Timeline, resolve: Resolver, first: int, count: int, rate: int,
                 errors: dict[str, str]) -> np.ndarray:
    """float32 [2, count] of one track's enabled clips with clip gain and fades (track gain not applied)."""
    out = np.zeros((2, count), np.float32)
    for clip in track.clips:
        if not clip.enabled or clip.take is None or clip.take.missing:
            continue
        c0, c1 = samples_at(clip.start, timeline.rate, rate), samples_at(clip.end, timeline.rate, rate)
        lo, hi = max(first, c0), min(first + count, c1)
        gain = db_to_gain(clip.gain_db)
        if hi <= lo or gain == 0.0:
            continue
        try:
            reader = AudioReader(Path(resolve(clip.take.url)), rate=rate, channels=2)
        except (BadInput, OSError) as exc:
            errors[clip.id] = str(exc)
            continue
        try:
            block = reader.read_samples(samples_at(clip.source_in, timeline.rate, rate) + (lo - c0), hi - lo)
        finally:
            reader.close()
        bad = ~np.isfinite(block)
        if bad.any():
            errors[clip.id] = f"{bad.mean():.1%} of its samples were NaN/infinite and were silenced"
            block = np.where(bad, 0.0, block).astype(np.float32)
        envelope = fade_envelope(clip, timeline.rate, lo - c0, hi - lo, rate)
        if envelope is not None:
            block = block * envelope
        out[:, lo - first: hi - first] += gain * block
    return out


def render_mix(timeline: Timeline, resolve: Resolver, total_samples: int | None = None,
               settings: MixSettings = MixSettings()) -> tuple[np.ndarray, MixReport]:
    """The mastered programme float32 [2, total_samples] (default: the timeline's length) and a report."""
    rate = settings.rate
    if total_samples is None:
        total_samples = samples_at(timeline.duration, timeline.rate, rate)
    report = MixReport()
    errors: dict[str, str] = {}
    tracks = timeline.audio_tracks()
    heard = audible(TrackState(t.gain_db, t.muted, t.solo) for t in tracks)
    stems: list[tuple[Track, np.ndarray]] = []
    for track, on in zip(tracks, heard, strict=True):
        if on and track.enabled:
            stems.append((track, render_track(track, timeline, resolve, 0, total_samples, rate, errors)
                          * np.float32(db_to_gain(track.gain_db))))
    mixed = np.zeros((2, total_samples), np.float32)
    keys = [audio for track, audio in stems if track_role(track) in KEY_ROLES]
    gain = None
    if settings.ducking and keys and any(track_role(t) in DUCKED_ROLES for t, _ in stems):
        gain = duck_gain(np.sum(keys, axis=0), rate, settings.duck)
    for track, audio in stems:
        if gain is not None and track_role(track) in DUCKED_ROLES:
            audio = audio * gain
            report.ducked_tracks.append(track.name)
        mixed += audio
    report.loudness_in = integrated_loudness(mixed, rate)
    if settings.target_lufs is not None and math.isfinite(report.loudness_in):
        mixed, report.gain_db, _ = normalize(mixed, rate, settings.target_lufs, settings.ceiling_dbfs)
    else:
        mixed = limit(mixed, rate, settings.ceiling_dbfs)
    report.loudness_out = integrated_loudness(mixed, rate)
    report.warnings = [f"clip {clip_id}: {why}" for clip_id, why in errors.items()]
    return mixed, report


class MasterMix:
    """Drop-in for TimelineCompositor's audio side in the export: `audio_samples(first, count, rate)`,
    `errors`, `close()`. Renders the master on first use."""

    def __init__(self, timeline: Timeline, resolve: Resolver, total_samples: int | None = None,
                 settings: MixSettings = MixSettings()) -> None:
        self.timeline, self.resolve, self.total, self.settings = timeline, resolve, total_samples, settings
        self._audio: np.ndarray | None = None
        self.report = MixReport()
        self.errors: dict[str, str] = {}

    def audio_samples(self, first: int, count: int, rate: int = 48000) -> np.ndarray:
        if rate != self.settings.rate:
            raise BadInput(f"the master mix runs at {self.settings.rate} Hz, not {rate} Hz")
        if self._audio is None:
            self._audio, self.report = render_mix(self.timeline, self.resolve, self.total, self.settings)
            self.errors = {f"mix-{i}": w for i, w in enumerate(self.report.warnings)}
        out = np.zeros((2, count), np.float32)
        lo, hi = max(0, first), min(first + count, self._audio.shape[1])
        if hi > lo:
            out[:, lo - first: hi - first] = self._audio[:, lo:hi]
        return out

    def close(self) -> None:
        self._audio = None
