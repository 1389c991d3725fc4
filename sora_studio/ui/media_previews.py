"""Adapter from the preview cache to the core media helpers (thumbnail strips, waveform peaks). Qt-free.

Runs in a pool thread. Results are cached by the core under the project's cache/ folder, so a project
opens with its thumbnails and waveforms at once the second time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

PEAKS_PER_SECOND = 200
THUMBS_PER_SECOND = 4
MAX_THUMBS = 48


def thumbnail_frames(path: str, height: int, cache_dir: Path | None) -> tuple[list[float], list[np.ndarray]]:
    """(times in seconds, RGB frames of the given height) spread over the whole file."""
    from sora_studio.core.media.probe import probe
    from sora_studio.core.media.thumbnails import thumbnail_strip, thumbnail_times

    info = probe(path)
    duration = float(info.duration_s or 0.0)
    count = 1 if info.kind == "image" or duration <= 0 else max(1, min(MAX_THUMBS, round(duration * THUMBS_PER_SECOND)))
    frames = thumbnail_strip(path, count=count, height=height, cache_dir=cache_dir)
    times = thumbnail_times(duration, count) if duration > 0 else [0.0]
    return times, frames


def waveform_peaks(path: str, cache_dir: Path | None) -> tuple[np.ndarray, float]:
    """Max-abs level per 1/PEAKS_PER_SECOND s of a file's audio (both channels), and the bucket rate."""
    from sora_studio.core.media.probe import probe
    from sora_studio.core.media.waveform import peaks

    if not probe(path).has_audio:
        return np.zeros(0, np.float32), float(PEAKS_PER_SECOND)
    result = peaks(path, per_second=PEAKS_PER_SECOND, cache_dir=cache_dir)
    level = np.abs(result.data).max(axis=(0, 2)).astype(np.float32)  # [2, buckets, (min, max)] -> [buckets]
    return level, float(result.per_second)
