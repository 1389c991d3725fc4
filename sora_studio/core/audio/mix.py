"""Mixing: per-track gain, mute and solo, per-clip gain, and safety against NaN/inf and clipping.

Rule for solo: when any track is soloed only soloed tracks are heard; mute always silences a track.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

SILENCE_DB = -96.0  # at or below this a gain is treated as silence


def db_to_gain(db: float) -> float:
    """Linear gain for a level in dB; NaN or very low levels give 0 (silence), huge ones are capped at +24 dB."""
    if not np.isfinite(db):
        return 0.0 if (np.isnan(db) or db < 0) else float(10 ** (24 / 20))
    if db <= SILENCE_DB:
        return 0.0
    return float(10 ** (min(db, 24.0) / 20))


def sanitize(audio: np.ndarray) -> np.ndarray:
    """float32 copy with NaN and infinities replaced by silence (a bad sample must not poison a mix)."""
    out = np.asarray(audio, dtype=np.float32).copy()
    out[~np.isfinite(out)] = 0.0
    return out


@dataclass
class TrackState:
    """What the mixer needs to know about a track."""

    gain_db: float = 0.0
    muted: bool = False
    solo: bool = False


def audible(tracks: Iterable[TrackState]) -> list[bool]:
    """Which tracks are heard under the mute/solo rule."""
    tracks = list(tracks)
    any_solo = any(t.solo for t in tracks)
    return [not t.muted and (t.solo or not any_solo) for t in tracks]


def mix(layers: Iterable[tuple[np.ndarray, float]], channels: int = 2, samples: int | None = None) -> np.ndarray:
    """Sum (audio [C, N], gain_db) layers into one float32 [channels, N] buffer clipped to [-1, 1]."""
    layers = list(layers)
    if samples is None:
        samples = max((a.shape[-1] for a, _ in layers), default=0)
    out = np.zeros((channels, samples), np.float32)
    for audio, gain_db in layers:
        gain = db_to_gain(gain_db)
        if gain == 0.0:
            continue
        audio = sanitize(audio)
        if audio.ndim == 1:
            audio = audio[None, :]
        if audio.shape[0] != channels:
            audio = np.broadcast_to(audio.mean(axis=0, keepdims=True), (channels, audio.shape[1]))
        n = min(samples, audio.shape[1])
        out[:, :n] += gain * audio[:, :n]
    np.clip(out, -1.0, 1.0, out=out)
    return out
