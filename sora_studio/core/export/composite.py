"""Turn a timeline into pictures and sound: the one compositor used by export and by the viewer.

Video: the top-most enabled video track holding an enabled clip at the frame wins (no blending); its
source frame is scaled to fit the output size with black bars (letterbox/pillarbox). Audio: the clips of
the audible audio tracks (mute/solo rule) are mixed with clip and track gain. Readers stay open per clip so
playback and export decode sequentially. One compositor per thread (readers are not thread-safe).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Self

import av
import numpy as np

from sora_studio.core.audio.mix import TrackState, audible, db_to_gain, mix
from sora_studio.core.media.decode import AudioReader, StillReader, VideoReader, open_reader
from sora_studio.core.timeline.model import Clip, Timeline, Track
from sora_studio.errors import BadInput

Resolver = Callable[[str], "Path | str | os.PathLike[str]"]
MAX_OPEN_READERS = 8


def fit_rect(src_w: int, src_h: int, dst_w: int, dst_h: int) -> tuple[int, int, int, int]:
    """(x, y, w, h) of a src_w x src_h picture scaled to fit inside dst, centred, even-sized where possible."""
    scale = min(dst_w / src_w, dst_h / src_h)
    w = max(1, min(dst_w, round(src_w * scale)))
    h = max(1, min(dst_h, round(src_h * scale)))
    if w % 2 and w < dst_w:
        w += 1
    if h % 2 and h < dst_h:
        h += 1
    return (dst_w - w) // 2, (dst_h - h) // 2, w, h


class _ReaderCache:
    """Least-recently-used open readers keyed by clip id (one decoder per clip keeps reads sequential)."""

    def __init__(self, factory: Callable[[Path], object], limit: int = MAX_OPEN_READERS) -> None:
        self._factory = factory
        self._limit = limit
        self._items: OrderedDict[tuple[str, str], object] = OrderedDict()
        self._failed: dict[tuple[str, str], BadInput | OSError] = {}

    def get(self, key: str, path: Path) -> object:
        """The open reader for (clip, path); a file that failed once raises the same error without retrying."""
        item_key = (key, str(path))
        if item_key in self._failed:
            raise self._failed[item_key]
        reader = self._items.get(item_key)
        if reader is None:
            try:
                reader = self._factory(path)
            except (BadInput, OSError) as exc:
                self._failed[item_key] = exc
                raise
            self._items[item_key] = reader
            while len(self._items) > self._limit:
                _, old = self._items.popitem(last=False)
                old.close()  # type: ignore[attr-defined]
        else:
            self._items.move_to_end(item_key)
        return reader

    def close(self) -> None:
        for reader in self._items.values():
            reader.close()  # type: ignore[attr-defined]
        self._items.clear()


class TimelineCompositor:
    """Frames and audio of a timeline at a given output size."""

    def __init__(self, timeline: Timeline, resolve: Resolver, width: int, height: int,
                 proxy_cache: str | os.PathLike[str] | None = None, proxy_height: int = 540) -> None:
        """`proxy_cache`: read videos from their proxies in this cache folder when one exists (previews only;
        export leaves it None so the output comes from the full-quality sources)."""
        if width < 2 or height < 2:
            raise BadInput(f"output size {width}x{height} is too small")
        self.timeline = timeline
        self.resolve = resolve
        self.width, self.height = int(width), int(height)
        self.proxy_cache, self.proxy_height = proxy_cache, proxy_height
        self._video = _ReaderCache(self._open_video)
        self._audio = _ReaderCache(lambda p: AudioReader(p))
        self._black = np.zeros((self.height, self.width, 3), np.uint8)
        self.errors: dict[str, str] = {}  # clip id -> why it shows black/silence (missing or unreadable media)

    # -- video ------------------------------------------------------------------------------
    def clip_at(self, frame_index: int) -> tuple[Track, Clip] | None:
        """The (track, clip) whose picture shows at this timeline frame, top-most track first."""
        for track in reversed(self.timeline.video_tracks()):
            if not track.enabled:
                continue
            clip = track.clip_at(frame_index)
            if clip is not None and clip.enabled and clip.take is not None and not clip.take.missing:
                return track, clip
        return None

    def source_time(self, clip: Clip, frame_index: int) -> float:
        """Seconds into the clip's media shown at a timeline frame."""
        return float(Fraction(clip.source_in + frame_index - clip.start) / self.timeline.rate)

    def video_frame(self, frame_index: int) -> np.ndarray:
        """uint8 RGB [H, W, 3] of the timeline at frame_index (black where nothing plays). May be shared: copy
        before writing into it."""
        hit = self.clip_at(frame_index)
        if hit is None:
            return self._black.copy()
        _, clip = hit
        reader = self._reader(clip)
        if reader is None:
            return self._black.copy()
        src_w, src_h = reader.display_size
        x, y, w, h = fit_rect(src_w, src_h, self.width, self.height)
        picture = reader.frame_at(self.source_time(clip, frame_index), size=(w, h))
        if (w, h) == (self.width, self.height):
            return picture if isinstance(reader, VideoReader) else picture.copy()
        canvas = np.zeros((self.height, self.width, 3), np.uint8)
        canvas[y : y + h, x : x + w] = picture
        return canvas

    def passthrough_frame(self, frame_index: int) -> av.VideoFrame | None:
        """The decoded frame itself when it needs no scaling, padding or rotation (yuv420p at the output
        size, nothing to stamp): export then skips the RGB round trip. None when the frame must be composited."""
        hit = self.clip_at(frame_index)
        if hit is None:
            return None
        _, clip = hit
        reader = self._reader(clip)
        if not isinstance(reader, VideoReader) or reader.rotation or (reader.width, reader.height) != (
            self.width,
            self.height,
        ):
            return None
        frame = reader.av_frame_at(self.source_time(clip, frame_index))
        return frame if frame.format.name == "yuv420p" else None

    def _open_video(self, path: Path) -> VideoReader | StillReader:
        if self.proxy_cache is not None:
            from sora_studio.core.media.proxy import find_proxy

            proxy = find_proxy(path, self.proxy_cache, self.proxy_height) if path.is_file() else None
            if proxy is not None:
                return VideoReader(proxy)
        return open_reader(path)

    def _reader(self, clip: Clip) -> VideoReader | StillReader | None:
        assert clip.take is not None
        try:
            path = Path(self.resolve(clip.take.url))
            return self._video.get(clip.id, path)  # type: ignore[return-value]
        except (BadInput, OSError) as exc:
            self.errors[clip.id] = str(exc)
            return None

    # -- audio ------------------------------------------------------------------------------
    def samples_at(self, frame_index: int, rate: int = 48000) -> int:
        """Sample index where a timeline frame begins (rounded; consistent so chunks tile exactly)."""
        return round(Fraction(frame_index) * rate / self.timeline.rate)

    def audio(self, start_frame: int, n_frames: int, rate: int = 48000) -> np.ndarray:
        """float32 [2, N] mix of the audible audio tracks for frames [start_frame, start_frame + n_frames)."""
        first = self.samples_at(start_frame, rate)
        count = self.samples_at(start_frame + n_frames, rate) - first
        return self.audio_samples(first, count, rate)

    def audio_samples(self, first: int, count: int, rate: int = 48000) -> np.ndarray:
        tracks = self.timeline.audio_tracks()
        heard = audible(TrackState(t.gain_db, t.muted, t.solo) for t in tracks)
        layers = []
        for track, on in zip(tracks, heard, strict=True):
            if on and track.enabled:
                layers.append((self._track_audio(track, first, count, rate), track.gain_db))
        return mix(layers, channels=2, samples=count)

    def _track_audio(self, track: Track, first: int, count: int, rate: int) -> np.ndarray:
        out = np.zeros((2, count), np.float32)
        for clip in track.clips:
            if not clip.enabled or clip.take is None or clip.take.missing:
                continue
            c0, c1 = self.samples_at(clip.start, rate), self.samples_at(clip.end, rate)
            lo, hi = max(first, c0), min(first + count, c1)
            if hi <= lo:
                continue
            gain = db_to_gain(clip.gain_db)
            if gain == 0.0:
                continue
            try:
                reader = self._audio.get(clip.id, Path(self.resolve(clip.take.url)))
            except (BadInput, OSError) as exc:
                self.errors[clip.id] = str(exc)
                continue
            source_first = self.samples_at(clip.source_in, rate) + (lo - c0)
            block = reader.read_samples(source_first, hi - lo)  # type: ignore[attr-defined]
            out[:, lo - first : hi - first] += gain * block
        return out

    def close(self) -> None:
        self._video.close()
        self._audio.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
