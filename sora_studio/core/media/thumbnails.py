"""Thumbnail strips for timeline clips and the media bin: evenly spaced frames, cached as one PNG strip."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from sora_studio.core.cancel import CancelToken, check
from sora_studio.core.fsutil import atomic_output
from sora_studio.core.media.cache import MediaCache
from sora_studio.core.media.decode import StillReader, VideoReader, open_reader
from sora_studio.errors import BadInput

MAX_THUMBNAILS = 200


def thumbnail_times(duration_s: float, count: int) -> list[float]:
    """Middle of each of `count` equal slices of the media."""
    return [(k + 0.5) * duration_s / count for k in range(count)]


def thumbnail_strip(source: str | os.PathLike[str], count: int = 10, height: int = 64,
                    cache_dir: str | os.PathLike[str] | None = None,
                    cancel: CancelToken | None = None) -> list[np.ndarray]:
    """`count` RGB uint8 thumbnails [height, w, 3] spread over the media (a still gives copies of itself)."""
    if not 1 <= count <= MAX_THUMBNAILS or not 8 <= height <= 1080:
        raise BadInput(f"thumbnail request out of range: {count} thumbnails of height {height}")
    cache = MediaCache(cache_dir) if cache_dir is not None else None
    params = {"count": count, "height": height, "v": 1}
    if cache is not None:
        hit = cache.lookup("thumbnails", source, params, "png")
        if hit is not None:
            strip = _load_png(hit)
            if strip is not None and strip.shape[1] % count == 0:
                return _split(strip, count)
    thumbs = _make(Path(source), count, height, cancel)
    if cache is not None:
        cache.prune_stale("thumbnails", source)
        _save_png(np.concatenate(thumbs, axis=1), cache.entry("thumbnails", source, params, "png"))
    return thumbs


def _make(source: Path, count: int, height: int, cancel: CancelToken | None) -> list[np.ndarray]:
    reader = open_reader(source)
    try:
        src_w, src_h = reader.display_size
        width = max(2, round(src_w * height / src_h))
        if isinstance(reader, StillReader):
            return [reader.frame_at(0, size=(width, height)).copy() for _ in range(count)]
        assert isinstance(reader, VideoReader)
        duration = _duration(reader)
        thumbs = []
        for t in thumbnail_times(duration, count):
            check(cancel)
            thumbs.append(reader.frame_at(t, size=(width, height)))
        return thumbs
    finally:
        reader.close()


def _duration(reader: VideoReader) -> float:
    from sora_studio.core.media.probe import probe

    info = probe(reader.path)
    return float(info.duration_s or 0.0)


def _split(strip: np.ndarray, count: int) -> list[np.ndarray]:
    return [np.ascontiguousarray(part) for part in np.split(strip, count, axis=1)]


def _load_png(path: Path) -> np.ndarray | None:
    from PIL import Image

    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except (OSError, ValueError):
        return None  # a damaged cache entry is simply rebuilt


def _save_png(strip: np.ndarray, path: Path) -> None:
    from PIL import Image

    with atomic_output(path, suffix=".png") as tmp:
        Image.fromarray(strip).save(tmp, format="PNG")
