"""Frame-exact video reading and sample-exact audio reading with PyAV.

`VideoReader.frame_at(t)` returns the frame shown at time t (the last frame whose timestamp is <= t), the
same answer whether it got there by seeking or by decoding forward. The decoder stays open between calls:
a call just after the previous one decodes forward; a jump backwards, or far enough ahead that a keyframe
lies closer to the target than the current position, seeks. Not thread-safe: one reader per thread.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Self

import av
import numpy as np

from sora_studio.core.audio.channels import map_channels
from sora_studio.core.time import snap_rate
from sora_studio.errors import BadInput

FORWARD_LIMIT_S = 2.0  # without a keyframe index: decode forward up to this far, seek beyond it
AUDIO_PREROLL_S = Fraction(1, 10)  # audio seeks land this much before the wanted sample


def _open(path: str | os.PathLike[str]) -> av.container.InputContainer:
    p = Path(path)
    if not p.is_file():
        raise BadInput(f"media file not found: {p}")
    try:
        return av.open(str(p), mode="r")
    except av.error.FFmpegError as exc:
        raise BadInput(f"{p.name}: cannot open media ({exc}); it may be corrupt") from None


class VideoReader:
    """Decode the frame displayed at any time of a video file, rotated for display, as uint8 RGB."""

    def __init__(self, path: str | os.PathLike[str], threads: bool = True) -> None:
        self.path = Path(path)
        self._container = _open(self.path)
        if not self._container.streams.video:
            self._container.close()
            raise BadInput(f"{self.path.name}: has no video stream")
        self._stream = self._container.streams.video[0]
        if threads:
            self._stream.thread_type = "AUTO"
        tb = self._stream.time_base or Fraction(1, 90000)
        self._tb = Fraction(tb)
        self._start_pts = self._stream.start_time or 0
        rate = self._stream.average_rate or self._stream.guessed_rate or self._stream.base_rate
        self.frame_rate: Fraction | None = snap_rate(Fraction(rate)) if rate else None
        period = 1 / float(self.frame_rate) if self.frame_rate else 1 / 30
        self._eps = min(1e-3, 0.1 * period)  # timestamps within this of t count as "at t"
        self._period = period
        self.width, self.height = self._stream.codec_context.width, self._stream.codec_context.height
        self.rotation = 0
        self._keyframes: list[int] | None = None
        self._frames: Iterator[av.VideoFrame] | None = None
        self._cur: av.VideoFrame | None = None
        self._cur_t = 0.0
        self._next: av.VideoFrame | None = None
        self._next_t = float("inf")
        self.seeks = 0  # counted for tests and benchmarks
        self._seek(0.0)
        if self._cur is None:
            self.close()
            raise BadInput(f"{self.path.name}: the video holds no decodable frames")
        self.rotation = round(getattr(self._cur, "rotation", 0) or 0) % 360
        if self.rotation % 90:
            self.rotation = 0
        self.seeks = 0

    # -- public -----------------------------------------------------------------------------
    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) after rotation."""
        if self.rotation in (90, 270):
            return self.height, self.width
        return self.width, self.height

    def frame_at(self, seconds: float, size: tuple[int, int] | None = None) -> np.ndarray:
        """RGB uint8 [H, W, 3] of the frame shown at `seconds` from the start, optionally scaled to size=(w, h)."""
        return self.to_rgb(self.av_frame_at(seconds), size)

    def frame_at_index(self, index: int, size: tuple[int, int] | None = None) -> np.ndarray:
        """Frame number `index` at the nominal frame rate (exact for constant-rate media)."""
        return self.frame_at(index * self._period + self._eps / 2, size)

    def to_rgb(self, frame: av.VideoFrame, size: tuple[int, int] | None = None) -> np.ndarray:
        """Convert a decoded frame to display-oriented RGB, scaling in the same swscale pass."""
        turned = self.rotation in (90, 270)
        if size is not None:
            w, h = size
            kwargs = {"width": h, "height": w} if turned else {"width": w, "height": h}
            rgb = frame.reformat(format="rgb24", interpolation="BILINEAR", **kwargs).to_ndarray()
        else:
            rgb = frame.reformat(format="rgb24").to_ndarray()
        if self.rotation:
            rgb = np.ascontiguousarray(np.rot90(rgb, k=self.rotation // 90))
        return rgb

    def av_frame_at(self, seconds: float) -> av.VideoFrame:
        """The decoded (unconverted) frame shown at `seconds`; cheap when called in increasing order."""
        t = max(0.0, float(seconds))
        if self._cur is None or t < self._cur_t - self._eps or self._should_seek(t):
            self._seek(t)
        while self._next is not None and self._next_t <= t + self._eps:
            self._advance()
        assert self._cur is not None
        return self._cur

    def close(self) -> None:
        self._frames = None
        self._cur = self._next = None
        self._container.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- decoding ---------------------------------------------------------------------------
    def _time(self, frame: av.VideoFrame, fallback: float) -> float:
        if frame.pts is None:
            return fallback
        return float((frame.pts - self._start_pts) * self._tb)

    def _pull(self, fallback: float) -> tuple[av.VideoFrame | None, float]:
        assert self._frames is not None
        try:
            frame = next(self._frames)
        except StopIteration:
            return None, float("inf")
        except av.error.FFmpegError:
            return None, float("inf")  # a damaged tail ends the stream; earlier frames stay usable
        return frame, self._time(frame, fallback)

    def _advance(self) -> None:
        self._cur, self._cur_t = self._next, self._next_t
        self._next, self._next_t = self._pull(self._cur_t + self._period)

    def _seek(self, t: float, back_off: float = 0.0) -> None:
        self.seeks += 1
        target = max(0.0, t - back_off)
        pts = self._start_pts + int(Fraction(target) / self._tb)
        self._container.seek(pts, stream=self._stream, backward=True, any_frame=False)
        self._frames = self._container.decode(self._stream)
        self._cur, self._cur_t = self._pull(0.0)
        self._next, self._next_t = self._pull(self._cur_t + self._period)
        if (self._cur is None or self._cur_t > t + self._eps) and target > 0:
            # landed after the target or past the last keyframe (edit lists, inexact MPEG-TS seeks): go earlier
            self._seek(t, back_off=max(1.0, 2 * back_off))

    def _should_seek(self, t: float) -> bool:
        """Seek forward only when a keyframe lies between the current frame and the target."""
        if t - self._cur_t <= self._period * 1.5:
            return False
        keys = self._keyframe_times()
        if not keys:
            return t - self._cur_t > FORWARD_LIMIT_S
        key_before_target = keys[bisect.bisect_right(keys, t + self._eps) - 1] if keys[0] <= t + self._eps else 0.0
        return key_before_target > self._cur_t + self._eps

    def _keyframe_times(self) -> list[float]:
        if self._keyframes is None:
            try:
                entries = self._stream.index_entries
                keys = [e.timestamp for e in entries if e.is_keyframe]
            except (AttributeError, av.error.FFmpegError):
                keys = []
            self._keyframes = sorted(float((k - self._start_pts) * self._tb) for k in keys)
        return self._keyframes  # type: ignore[return-value]


class StillReader:
    """A still image behind the VideoReader interface (the same picture at every time)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._rgb = load_image(self.path)
        self.rotation = 0
        self.frame_rate: Fraction | None = None
        self.height, self.width = self._rgb.shape[:2]
        self._scaled: dict[tuple[int, int], np.ndarray] = {}

    @property
    def display_size(self) -> tuple[int, int]:
        return self.width, self.height

    def frame_at(self, seconds: float, size: tuple[int, int] | None = None) -> np.ndarray:
        if size is None or size == (self.width, self.height):
            return self._rgb
        if size not in self._scaled:
            from PIL import Image

            self._scaled[size] = np.asarray(Image.fromarray(self._rgb).resize(size, Image.Resampling.BILINEAR))
        return self._scaled[size]

    def close(self) -> None:
        self._scaled.clear()


def load_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read a still as RGB uint8, honouring EXIF orientation."""
    from PIL import Image, ImageOps

    from sora_studio.core.media.probe import probe

    probe(path)  # size limits and corruption checks
    with Image.open(path) as image:
        return np.asarray(ImageOps.exif_transpose(image).convert("RGB")).copy()


def open_reader(path: str | os.PathLike[str]) -> VideoReader | StillReader:
    """A reader for a video file or a still image, chosen from the file itself."""
    from sora_studio.core.media.probe import IMAGE_SUFFIXES

    if Path(path).suffix.lower() in IMAGE_SUFFIXES:
        return StillReader(path)
    return VideoReader(path)


class AudioReader:
    """Sample-exact audio at a fixed rate and channel count; sequential reads continue the decoder."""

    def __init__(self, path: str | os.PathLike[str], rate: int = 48000, channels: int = 2) -> None:
        self.path = Path(path)
        self.rate, self.channels = rate, channels
        self._container = _open(self.path)
        if not self._container.streams.audio:
            self._container.close()
            raise BadInput(f"{self.path.name}: has no audio stream")
        self._stream = self._container.streams.audio[0]
        self._tb = Fraction(self._stream.time_base or Fraction(1, rate))
        self._start_pts = self._stream.start_time or 0
        self._frames: Iterator[av.AudioFrame] | None = None
        self._resampler: av.AudioResampler | None = None
        self._buf = np.zeros((channels, 0), np.float32)
        self._buf_start: int | None = 0  # sample index (at self.rate) of self._buf[:, 0]; None while seeking
        self._eof = False

    def read(self, start_s: float, duration_s: float) -> np.ndarray:
        """float32 [channels, round(duration_s * rate)]; silence before the start and past the end."""
        start = round(start_s * self.rate)
        count = max(0, round(duration_s * self.rate))
        return self.read_samples(start, count)

    def read_samples(self, start: int, count: int) -> np.ndarray:
        out = np.zeros((self.channels, count), np.float32)
        if count == 0 or start + count <= 0:
            return out
        buf_end = self._buf_start + self._buf.shape[1]
        if self._frames is None or start < self._buf_start or start > buf_end + 2 * self.rate:
            self._seek(max(0, start))
        pending, have = [], self._buf_start + self._buf.shape[1]
        while not self._eof and have < start + count:
            block = self._decode_more()
            if block.shape[1]:
                pending.append(block)
                have += block.shape[1]
        if pending:
            self._buf = np.concatenate([self._buf, *pending], axis=1)
        lo = max(start, self._buf_start)
        hi = min(start + count, self._buf_start + self._buf.shape[1])
        if hi > lo:
            out[:, lo - start : hi - start] = self._buf[:, lo - self._buf_start : hi - self._buf_start]
        drop = max(0, lo - self._buf_start)  # keep nothing before this read: reads go forward
        if drop:
            self._buf = self._buf[:, drop:]
            self._buf_start += drop
        return out

    def close(self) -> None:
        self._frames = None
        self._container.close()

    def _seek(self, start: int) -> None:
        # land a little early: codecs like AAC need a frame of pre-roll before their output is right
        seconds = max(Fraction(0), Fraction(start, self.rate) - AUDIO_PREROLL_S)
        pts = self._start_pts + int(seconds / self._tb)
        self._container.seek(max(self._start_pts, pts), stream=self._stream, backward=True, any_frame=False)
        self._frames = self._container.decode(self._stream)
        self._resampler = None
        self._buf = np.zeros((self.channels, 0), np.float32)
        self._eof = False
        self._buf_start = None
        self._buf = self._decode_more()
        if self._buf_start is not None and self._buf_start > start > 0:  # landed late: decode from the start
            self._container.seek(self._start_pts, stream=self._stream, backward=True)
            self._frames = self._container.decode(self._stream)
            self._resampler, self._buf_start = None, None
            self._buf = self._decode_more()

    def _decode_more(self) -> np.ndarray:
        """Decode one more frame; returns its samples (the resampler's tail at the end of the stream)."""
        assert self._frames is not None
        try:
            frame = next(self._frames)
        except (StopIteration, av.error.FFmpegError):
            self._eof = True
            if self._buf_start is None:
                self._buf_start = 0
            return self._resample(None)
        if self._buf_start is None:
            t = float((frame.pts - self._start_pts) * self._tb) if frame.pts is not None else 0.0
            self._buf_start = round(t * self.rate)
        return self._resample(frame)

    def _resample(self, frame: av.AudioFrame | None) -> np.ndarray:
        if self._resampler is None:
            if frame is None:
                return np.zeros((self.channels, 0), np.float32)
            self._names = [c.name for c in frame.layout.channels]
            self._resampler = av.AudioResampler(format="fltp", layout=frame.layout, rate=self.rate)
        blocks = [f.to_ndarray() for f in self._resampler.resample(frame)]
        if not blocks:
            return np.zeros((self.channels, 0), np.float32)
        data = np.concatenate(blocks, axis=1).astype(np.float32, copy=False)
        return map_channels(data, self._names, self.channels)



def read_audio(path: str | os.PathLike[str], start_s: float, duration_s: float, rate: int = 48000,
               channels: int = 2) -> np.ndarray:
    """float32 [channels, N] of a file's audio from start_s, resampled to `rate`; zeros where there is none."""
    reader = AudioReader(path, rate=rate, channels=channels)
    try:
        return reader.read(start_s, duration_s)
    finally:
        reader.close()
