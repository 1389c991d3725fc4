"""The export's master mix: every audible audio track with clip gain and fades, ambience ducked under
dialogue, the sum normalised to a loudness target with a peak ceiling, as 48 kHz stereo.

Loudness normalisation needs the whole programme before the first sample is written, so the master is
rendered once into memory (48 kHz stereo float32: 23 MB per minute) and then served in chunks through
`MasterMix.audio_samples`, the same call the export uses on TimelineCompositor. Playback hears the same
master through `mix_range` (core/audio/preview.py): the same stems, ducking and limiter for a short range,
with the programme's loudness gain and ducking levels measured here once (`MixReport.gain_db`,
`MixReport.duck_levels`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from sora_studio.core.audio.ducking import DuckSettings, duck_levels, levels_to_gain
from sora_studio.core.audio.fades import fade_envelope
from sora_studio.core.audio.loudness import WEB_LUFS, integrated_loudness, limit, normalize
from sora_studio.core.audio.mix import TrackState, audible, db_to_gain
from sora_studio.core.audio.placement import track_role
from sora_studio.core.media.decode import AudioReader
from sora_studio.core.timeline.model import Clip, Timeline, Track
from sora_studio.errors import BadInput

Resolver = Callable[[str], "Path | str | os.PathLike[str]"]
OpenReader = Callable[[Clip, Path], AudioReader]  # an open reader for a clip's media (kept open by the caller)
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
    gain_db: float = 0.0  # the loudness gain the master was made with (before the limiter)
    ducked_tracks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duck_levels: np.ndarray | None = None  # ducking level per 10 ms window (None: nothing was ducked)

    def to_dict(self) -> dict:
        r = lambda v: round(v, 2) if math.isfinite(v) else None  # noqa: E731
        return {"loudness_in_lufs": r(self.loudness_in), "loudness_out_lufs": r(self.loudness_out),
                "gain_db": round(self.gain_db, 2), "ducked_tracks": self.ducked_tracks, "warnings": self.warnings}


def samples_at(frame: int, timeline_rate: Fraction, rate: int) -> int:
    """Sample where a timeline frame starts (the same rounding as the compositor, so both agree)."""
    return round(Fraction(frame) * rate / timeline_rate)


def render_track(track: Track, timeline: Timeline, resolve: Resolver, first: int, count: int, rate: int,
                 errors: dict[str, str], open_reader: OpenReader | None = None) -> np.ndarray:
    """float32 [2, count] of one track's enabled clips with clip gain and fades (track gain not applied).
    `open_reader`: where readers come from when the caller keeps them open (playback); default: opened and
    closed here."""
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
            path = Path(resolve(clip.take.url))
            reader = open_reader(clip, path) if open_reader else AudioReader(path, rate=rate, channels=2)
        except (BadInput, OSError) as exc:
            errors[clip.id] = str(exc)
            continue
        try:
            block = reader.read_samples(samples_at(clip.source_in, timeline.rate, rate) + (lo - c0), hi - lo)
        finally:
            if open_reader is None:
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


Stems = list[tuple[Track, np.ndarray]]


def render_stems(timeline: Timeline, resolve: Resolver, first: int, count: int, rate: int, errors: dict[str, str],
                 open_reader: OpenReader | None = None) -> Stems:
    """(track, float32 [2, count]) of every audible audio track (mute/solo), track gain applied."""
    tracks = timeline.audio_tracks()
    heard = audible(TrackState(t.gain_db, t.muted, t.solo) for t in tracks)
    return [(track, render_track(track, timeline, resolve, first, count, rate, errors, open_reader)
             * np.float32(db_to_gain(track.gain_db)))
            for track, on in zip(tracks, heard, strict=True) if on and track.enabled]


def ducks(stems: Stems, settings: MixSettings) -> bool:
    """Whether ambience/music is ducked: ducking is on and there is dialogue and something to duck."""
    roles = [track_role(track) for track, _ in stems]
    return settings.ducking and any(r in KEY_ROLES for r in roles) and any(r in DUCKED_ROLES for r in roles)


def duck_key(stems: Stems) -> np.ndarray:
    return np.sum([audio for track, audio in stems if track_role(track) in KEY_ROLES], axis=0)


def sum_stems(stems: Stems, duck: np.ndarray | None, report: MixReport | None = None) -> np.ndarray:
    """The premaster: the stems summed, ambience and music times `duck` (a gain per sample) when given."""
    mixed = np.zeros_like(stems[0][1]) if stems else np.zeros((2, 0), np.float32)
    for track, audio in stems:
        if duck is not None and track_role(track) in DUCKED_ROLES:
            audio = audio * duck
            if report is not None:
                report.ducked_tracks.append(track.name)
        mixed += audio
    return mixed


def master_gain(mixed: np.ndarray, gain_db: float, settings: MixSettings) -> np.ndarray:
    """The last stage, as normalisation applies it: the loudness gain, then the peak limiter."""
    return limit(mixed * np.float32(10 ** (gain_db / 20)), settings.rate, settings.ceiling_dbfs)


def render_mix(timeline: Timeline, resolve: Resolver, total_samples: int | None = None,
               settings: MixSettings = MixSettings()) -> tuple[np.ndarray, MixReport]:
    """The mastered programme float32 [2, total_samples] (default: the timeline's length) and a report."""
    rate = settings.rate
    if total_samples is None:
        total_samples = samples_at(timeline.duration, timeline.rate, rate)
    report = MixReport()
    errors: dict[str, str] = {}
    stems = render_stems(timeline, resolve, 0, total_samples, rate, errors)
    gain = None
    if ducks(stems, settings):
        report.duck_levels = duck_levels(duck_key(stems), rate, settings.duck)
        gain = levels_to_gain(report.duck_levels, rate, 0, total_samples)
    mixed = sum_stems(stems, gain, report) if stems else np.zeros((2, total_samples), np.float32)
    report.loudness_in = integrated_loudness(mixed, rate)
    if settings.target_lufs is not None and math.isfinite(report.loudness_in):
        mixed, report.gain_db, _ = normalize(mixed, rate, settings.target_lufs, settings.ceiling_dbfs)
    else:
        mixed = master_gain(mixed, 0.0, settings)
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
