"""Resample numpy audio with FFmpeg's resampler (the same one the decoders use), e.g. a 16 kHz vocoder to 48 kHz."""

from __future__ import annotations

import av
import numpy as np

from sora_studio.core.audio.channels import layout_names, map_channels


def resample(audio: np.ndarray, from_rate: int, to_rate: int = 48000, channels: int = 2) -> np.ndarray:
    """float32 [C, N] at from_rate -> float32 [channels, ~N * to_rate / from_rate]; NaN/inf become silence."""
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float32))
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {from_rate} -> {to_rate}")
    audio = np.where(np.isfinite(audio), audio, 0.0).astype(np.float32)
    mapped = map_channels(audio, layout_names(audio.shape[0]), channels)
    if from_rate == to_rate or mapped.shape[1] == 0:
        return np.ascontiguousarray(mapped)
    layout = "stereo" if channels == 2 else "mono"
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=to_rate)
    blocks = []
    chunk = 8192
    for offset in range(0, mapped.shape[1], chunk):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(mapped[:, offset : offset + chunk]), format="fltp",
                                           layout=layout)
        frame.sample_rate = from_rate
        frame.pts = offset
        blocks.extend(f.to_ndarray() for f in resampler.resample(frame))
    blocks.extend(f.to_ndarray() for f in resampler.resample(None))
    expected = round(mapped.shape[1] * to_rate / from_rate)
    out = np.concatenate(blocks, axis=1) if blocks else np.zeros((channels, 0), np.float32)
    if out.shape[1] < expected:
        out = np.pad(out, ((0, 0), (0, expected - out.shape[1])))
    return np.ascontiguousarray(out[:, :expected], dtype=np.float32)
