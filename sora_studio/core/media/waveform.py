"""Audio peaks for drawing waveforms: min/max per bucket, per channel, computed once and cached (.npy)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sora_studio.core.cancel import CancelToken, check
from sora_studio.core.fsutil import atomic_output
from sora_studio.core.media.cache import MediaCache
from sora_studio.core.media.decode import AudioReader
from sora_studio.core.media.probe import probe
from sora_studio.errors import BadInput

RATE = 48000
CHUNK_S = 10


@dataclass
class Peaks:
    """`data` is float32 [2 channels, buckets, 2] holding (min, max) of each bucket of 1/per_second s."""

    per_second: int
    data: np.ndarray

    @property
    def duration_s(self) -> float:
        return self.data.shape[1] / self.per_second

    def envelope(self, start_s: float, end_s: float, columns: int) -> np.ndarray:
        """[2, columns, 2] min/max for drawing `columns` pixels between two times (regrouped buckets)."""
        a = max(0, int(start_s * self.per_second))
        b = max(a + 1, min(self.data.shape[1], int(np.ceil(end_s * self.per_second))))
        part = self.data[:, a:b]
        edges = np.linspace(0, part.shape[1], columns + 1).astype(int)
        out = np.zeros((2, columns, 2), np.float32)
        for c in range(columns):
            lo, hi = edges[c], max(edges[c] + 1, edges[c + 1])
            block = part[:, lo:hi]
            if block.shape[1]:
                out[:, c, 0], out[:, c, 1] = block[..., 0].min(axis=1), block[..., 1].max(axis=1)
        return out


def peaks(source: str | os.PathLike[str], per_second: int = 100, cache_dir: str | os.PathLike[str] | None = None,
          cancel: CancelToken | None = None) -> Peaks:
    """Peaks of a file's audio (48 kHz stereo after mapping); BadInput when it has no audio."""
    if not 1 <= per_second <= 1000 or RATE % per_second:
        raise BadInput(f"peaks per second must divide {RATE} and be at most 1000, not {per_second}")
    cache = MediaCache(cache_dir) if cache_dir is not None else None
    params = {"per_second": per_second, "v": 1}
    if cache is not None:
        hit = cache.lookup("peaks", source, params, "npy")
        if hit is not None:
            try:
                data = np.load(hit, allow_pickle=False)
                if data.ndim == 3 and data.shape[0] == 2 and data.shape[2] == 2:
                    return Peaks(per_second, data)
            except (OSError, ValueError):
                pass  # rebuilt below
    data = _compute(Path(source), per_second, cancel)
    if cache is not None:
        cache.prune_stale("peaks", source)
        with atomic_output(cache.entry("peaks", source, params, "npy"), suffix=".npy") as tmp, open(tmp, "wb") as fh:
            np.save(fh, data, allow_pickle=False)
    return Peaks(per_second, data)


def _compute(source: Path, per_second: int, cancel: CancelToken | None) -> np.ndarray:
    info = probe(source)
    if not info.has_audio:
        raise BadInput(f"{source.name} has no audio to draw")
    bucket = RATE // per_second
    total = int(np.ceil((info.duration_s or 0) * per_second))
    reader = AudioReader(source, RATE, 2)
    parts = []
    try:
        per_chunk = CHUNK_S * per_second
        for first in range(0, total, per_chunk):
            check(cancel)
            n = min(per_chunk, total - first)
            block = reader.read_samples(first * bucket, n * bucket)
            block = np.where(np.isfinite(block), block, 0.0).reshape(2, n, bucket)
            parts.append(np.stack([block.min(axis=2), block.max(axis=2)], axis=-1))
    finally:
        reader.close()
    if not parts:
        return np.zeros((2, 0, 2), np.float32)
    return np.concatenate(parts, axis=1).astype(np.float32)
