"""Ducking: lower ambience and music while someone speaks (a sidechain compressor keyed by dialogue).

The key's level is measured in 10 ms windows; where it is above the threshold the ducked tracks go down
by `depth_db`. The gain moves with separate attack and release times (fast down, slow back up) and starts
`lookahead_ms` before speech so the first syllable is not masked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WINDOW_S = 0.01


@dataclass(frozen=True)
class DuckSettings:
    depth_db: float = 12.0  # how far ambience goes down under speech
    threshold_db: float = -45.0  # key level (RMS dBFS) that counts as speech
    attack_ms: float = 40.0
    release_ms: float = 400.0
    lookahead_ms: float = 60.0
    hold_ms: float = 150.0  # stay down through short pauses between words


def duck_gain(key: np.ndarray, rate: int, settings: DuckSettings = DuckSettings()) -> np.ndarray:
    """Linear gain [N] for the ducked tracks, from the key signal [C, N] (or [N])."""
    key = np.atleast_2d(np.asarray(key, dtype=np.float32))
    return levels_to_gain(duck_levels(key, rate, settings), rate, 0, key.shape[1])


def duck_levels(key: np.ndarray, rate: int, settings: DuckSettings = DuckSettings()) -> np.ndarray:
    """The ducking level (dB, <= 0) of every 10 ms window of the key [C, N]: a compact form of the gain that
    playback keeps for the whole programme and turns into samples for any range (`levels_to_gain`)."""
    key = np.atleast_2d(np.asarray(key, dtype=np.float32))
    n = key.shape[1]
    if n == 0 or settings.depth_db <= 0:
        return np.zeros(0)
    hop = max(1, round(WINDOW_S * rate))
    frames = -(-n // hop)
    padded = np.pad(key.mean(axis=0), (0, frames * hop - n))
    rms = np.sqrt(np.mean(padded.reshape(frames, hop) ** 2, axis=1))
    active = 20 * np.log10(np.maximum(rms, 1e-9)) > settings.threshold_db
    hold = round(settings.hold_ms / 1000 / WINDOW_S)
    ahead = round(settings.lookahead_ms / 1000 / WINDOW_S)
    if hold or ahead:  # widen speech regions: back by the look-ahead, forward by the hold
        window = np.convolve(active.astype(np.float32), np.ones(ahead + hold + 1, np.float32))
        active = window[ahead: ahead + frames] > 0.5
    target = np.where(active, -settings.depth_db, 0.0)
    down = 1 - np.exp(-WINDOW_S * 1000 / max(settings.attack_ms, 1e-3))
    up = 1 - np.exp(-WINDOW_S * 1000 / max(settings.release_ms, 1e-3))
    level = np.empty(frames)
    current = 0.0
    for i, goal in enumerate(target):
        current += (goal - current) * (down if goal < current else up)
        level[i] = current
    return level


def levels_to_gain(levels: np.ndarray, rate: int, first: int, count: int) -> np.ndarray:
    """Linear gain for samples [first, first + count) from `duck_levels`: linear interpolation between window
    centres (no zipper steps); any range gives exactly the samples of the whole programme's gain."""
    if levels.size == 0:
        return np.ones(count, np.float32)
    hop = max(1, round(WINDOW_S * rate))
    centres = (np.arange(levels.size) + 0.5) * hop
    gain_db = np.interp(np.arange(first, first + count), centres, levels)
    return (10 ** (gain_db / 20)).astype(np.float32)
