"""Proxies: small, short-GOP copies of long-GOP sources so scrubbing and random seeks stay fast.

Camera and generated footage often has one keyframe every few seconds; an exact seek must decode from the
previous keyframe. A proxy keeps every timestamp of the source (so frame_at(t) shows the same frame) but
puts a keyframe every second (or on every frame with `intra=True`) at a reduced height. Audio is not copied:
players read it from the source. The proxy is written atomically into the cache, with progress and cancel.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av

from sora_studio.core.cancel import CancelToken, check
from sora_studio.core.fsutil import atomic_output
from sora_studio.core.media.cache import MediaCache
from sora_studio.core.media.decode import VideoReader
from sora_studio.core.media.encode import add_h264_stream
from sora_studio.core.media.probe import probe
from sora_studio.errors import BadInput, StudioError

Progress = Callable[[int, int], None]
DEFAULT_HEIGHT = 540


def _params(height: int, intra: bool) -> dict[str, object]:
    return {"height": height, "intra": intra, "v": 1}


def find_proxy(source: str | os.PathLike[str], cache_dir: str | os.PathLike[str], height: int = DEFAULT_HEIGHT,
               intra: bool = False) -> Path | None:
    """The up-to-date proxy of `source` if one was made (None after the source changed)."""
    return MediaCache(cache_dir).lookup("proxies", source, _params(height, intra), "mp4")


def open_for_scrubbing(source: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None,
                       height: int = DEFAULT_HEIGHT) -> VideoReader:
    """A VideoReader on the proxy when one exists, else on the source (same timestamps either way)."""
    if cache_dir is not None:
        proxy = find_proxy(source, cache_dir, height)
        if proxy is not None:
            return VideoReader(proxy)
    return VideoReader(source)


def make_proxy(source: str | os.PathLike[str], cache_dir: str | os.PathLike[str], height: int = DEFAULT_HEIGHT,
               intra: bool = False, progress: Progress | None = None, cancel: CancelToken | None = None) -> Path:
    """Build (or reuse) the proxy of a video; returns its path. Raises Cancelled, leaving nothing behind."""
    if height < 16 or height % 2:
        raise BadInput(f"proxy height must be even and at least 16, not {height}")
    cache = MediaCache(cache_dir)
    params = _params(height, intra)
    existing = cache.lookup("proxies", source, params, "mp4")
    if existing is not None:
        return existing
    info = probe(source)
    if info.kind != "video":
        raise BadInput(f"{Path(source).name} is not a video; only videos get proxies")
    target = cache.entry("proxies", source, params, "mp4")
    cache.prune_stale("proxies", source)
    with atomic_output(target, suffix=".mp4") as tmp:
        _transcode(Path(source), tmp, height, intra, info.frame_count or 0, progress, cancel)
    return target


def _transcode(source: Path, out: Path, height: int, intra: bool, total: int, progress: Progress | None,
               cancel: CancelToken | None) -> None:
    try:
        with av.open(str(source)) as src, av.open(str(out), mode="w", format="mp4") as dst:
            vin = src.streams.video[0]
            vin.thread_type = "AUTO"
            coded_w, coded_h = vin.codec_context.width, vin.codec_context.height
            out_h = min(height, coded_h - coded_h % 2) if coded_h >= 16 else coded_h
            out_w = max(2, round(coded_w * out_h / coded_h / 2) * 2)
            rate = vin.average_rate or vin.guessed_rate or Fraction(30)
            gop = 1 if intra else max(1, round(float(rate)))
            vout = add_h264_stream(dst, out_w, out_h, rate, crf=23, preset="veryfast" if not intra else "ultrafast",
                                   encoder="libx264", gop=gop)
            vout.codec_context.time_base = vin.time_base
            start = vin.start_time or 0
            rotation_set = False
            for done, frame in enumerate(src.decode(vin), start=1):
                check(cancel)
                if not rotation_set:
                    if frame.rotation:
                        vout.set_display_rotation(int(frame.rotation))
                    rotation_set = True
                small = frame.reformat(width=out_w, height=out_h, format="yuv420p", interpolation="BILINEAR")
                small.pts = None if frame.pts is None else frame.pts - start
                small.time_base = vin.time_base
                for packet in vout.encode(small):
                    dst.mux(packet)
                if progress is not None:
                    progress(done, max(total, done))
            for packet in vout.encode():
                dst.mux(packet)
    except av.error.FFmpegError as exc:
        raise StudioError(f"making a proxy of {source.name} failed: {exc}") from None
