"""Channel mapping: any decoded layout (mono, stereo, 5.1, 7.1, unknown) to mono or stereo.

Downmix follows ITU-R BS.775 (centre and surrounds at -3 dB, LFE dropped); each output row is then scaled
so its coefficients sum to at most 1, which keeps a full-scale 5.1 signal from clipping after the fold-down.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_MINUS_3DB = 0.7071067811865476
# (left coefficient, right coefficient) per FFmpeg channel name
_TO_STEREO: dict[str, tuple[float, float]] = {
    "FL": (1.0, 0.0),
    "FR": (0.0, 1.0),
    "FC": (_MINUS_3DB, _MINUS_3DB),
    "LFE": (0.0, 0.0),
    "BL": (_MINUS_3DB, 0.0),
    "BR": (0.0, _MINUS_3DB),
    "SL": (_MINUS_3DB, 0.0),
    "SR": (0.0, _MINUS_3DB),
    "BC": (0.5, 0.5),
    "FLC": (0.85, 0.15),
    "FRC": (0.15, 0.85),
    "TC": (0.5, 0.5),
}


def stereo_matrix(names: Sequence[str]) -> np.ndarray:
    """[2, C] fold-down matrix for channels named as FFmpeg names them ('FL', 'FR', 'FC', 'LFE', ...)."""
    names = list(names)
    if len(names) == 1:
        return np.ones((2, 1), np.float32)  # mono plays at full level on both sides
    matrix = np.zeros((2, len(names)), np.float32)
    for i, name in enumerate(names):
        left, right = _TO_STEREO.get(name, (1.0, 0.0) if i % 2 == 0 else (0.0, 1.0))
        matrix[0, i], matrix[1, i] = left, right
    row_sums = matrix.sum(axis=1, keepdims=True)
    return matrix / np.maximum(row_sums, 1.0)


def map_channels(audio: np.ndarray, names: Sequence[str], channels: int = 2) -> np.ndarray:
    """float32 [channels, N] from [len(names), N]; channels is 1 (mono) or 2 (stereo), or equal to the input."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 1:
        audio = audio[None, :]
    count = audio.shape[0]
    if count != len(names):
        raise ValueError(f"audio has {count} channels but {len(names)} channel names were given")
    if channels == count and (count != 2 or list(names) in (["FL", "FR"], ["NONE", "NONE"])):
        return audio
    if channels == 2:
        return stereo_matrix(names) @ audio
    if channels == 1:
        return (stereo_matrix(names) @ audio).mean(axis=0, keepdims=True) if count > 1 else audio
    raise ValueError(f"cannot map {count} channels to {channels}; use 1 or 2")


def layout_names(channels: int) -> list[str]:
    """Default FFmpeg channel names for a bare channel count (numpy audio carries no layout)."""
    return {1: ["FC"], 2: ["FL", "FR"], 6: ["FL", "FR", "FC", "LFE", "BL", "BR"],
            8: ["FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"]}.get(channels, [f"C{i}" for i in range(channels)])
