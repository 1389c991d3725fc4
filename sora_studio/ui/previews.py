"""Thumbnail strips and waveform peaks for the timeline and the media bin, made off the GUI thread.

The first request for a file schedules a job on a QThreadPool and returns None (the item draws
"loading…"); the result comes back through a queued signal to a @Slot on this GUI-thread object, which
stores it and emits `ready(path)` so the items that show that file repaint.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage

if TYPE_CHECKING:
    import numpy as np

THUMB_HEIGHT = 72


@dataclass
class ThumbStrip:
    """Small frames of one video at increasing times (seconds)."""

    times: list[float] = field(default_factory=list)
    images: list[QImage] = field(default_factory=list)

    @property
    def aspect(self) -> float:
        if not self.images:
            return 16 / 9
        image = self.images[0]
        return image.width() / max(1, image.height())

    def nearest(self, seconds: float) -> QImage:
        """The thumbnail taken closest to `seconds`."""
        i = bisect.bisect_left(self.times, seconds)
        if i > 0 and (i == len(self.times) or seconds - self.times[i - 1] <= self.times[i] - seconds):
            i -= 1
        return self.images[max(0, min(i, len(self.images) - 1))]


@dataclass
class Peaks:
    """Max-abs sample level per bucket of 1/per_second seconds (mono mix)."""

    values: np.ndarray
    per_second: float

    def level(self, t0: float, t1: float) -> float:
        if self.values.size == 0:
            return 0.0
        i0 = max(0, int(t0 * self.per_second))
        i1 = min(self.values.size, max(i0 + 1, math.ceil(t1 * self.per_second)))
        if i0 >= self.values.size:
            return 0.0
        return float(self.values[i0:i1].max())


class _Emitter(QObject):
    done = Signal(str, str, object)  # path, kind ("thumbs" | "peaks"), result or Exception


class _Job(QRunnable):
    def __init__(self, path: str, kind: str, cache_dir: Path | None, emitter: _Emitter) -> None:
        super().__init__()
        self.path, self.kind, self.cache_dir, self.emitter = path, kind, cache_dir, emitter

    def run(self) -> None:
        from sora_studio.ui import media_previews  # numpy/PyAV load here, in the pool thread

        try:
            if self.kind == "thumbs":
                times, frames = media_previews.thumbnail_frames(self.path, THUMB_HEIGHT, self.cache_dir)
                images = [_to_qimage(f) for f in frames]
                result: object = ThumbStrip(times, images)
            else:
                values, per_second = media_previews.waveform_peaks(self.path, self.cache_dir)
                result = Peaks(values, per_second)
        except Exception as exc:  # noqa: BLE001 - reported to the GUI, which shows the clip without previews
            result = exc
        self.emitter.done.emit(self.path, self.kind, result)


def _to_qimage(frame: np.ndarray) -> QImage:
    import numpy as np

    frame = np.ascontiguousarray(frame)
    h, w, _ = frame.shape
    return QImage(frame.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class PreviewCache(QObject):
    ready = Signal(str)  # a file's thumbnails or peaks arrived
    pending_changed = Signal(int)  # jobs queued or running (for the status bar)
    failed = Signal(str, str)  # path, message

    def __init__(self, parent: QObject | None = None, max_threads: int = 1) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)  # 2 cores: one preview job at a time keeps playback smooth
        self.cache_dir: Path | None = None
        self._thumbs: dict[str, ThumbStrip | None] = {}
        self._peaks: dict[str, Peaks | None] = {}
        self._pending: set[tuple[str, str]] = set()
        self._emitter = _Emitter()
        self._emitter.done.connect(self._on_done)

    def thumbnails(self, path: str | Path) -> ThumbStrip | None:
        key = str(path)
        if key in self._thumbs:
            return self._thumbs[key]
        self._request(key, "thumbs")
        return None

    def peaks(self, path: str | Path) -> Peaks | None:
        key = str(path)
        if key in self._peaks:
            return self._peaks[key]
        self._request(key, "peaks")
        return None

    def pending(self) -> int:
        return len(self._pending)

    def forget(self, path: str | Path | None = None) -> None:
        """Drop cached previews (all, or one file's) so they are made again (after a relink)."""
        if path is None:
            self._thumbs.clear()
            self._peaks.clear()
        else:
            self._thumbs.pop(str(path), None)
            self._peaks.pop(str(path), None)

    def shutdown(self, msecs: int = 5000) -> bool:
        """Drop queued jobs and wait for the running one (closing the window)."""
        self.pool.clear()
        return self.pool.waitForDone(msecs)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until queued jobs finish (tests and the screenshot tool)."""
        return self.pool.waitForDone(msecs)

    def _request(self, path: str, kind: str) -> None:
        if (path, kind) in self._pending:
            return
        self._pending.add((path, kind))
        self.pool.start(_Job(path, kind, self.cache_dir, self._emitter))
        self.pending_changed.emit(len(self._pending))

    @Slot(str, str, object)
    def _on_done(self, path: str, kind: str, result: object) -> None:
        self._pending.discard((path, kind))
        self.pending_changed.emit(len(self._pending))
        store = self._thumbs if kind == "thumbs" else self._peaks
        if isinstance(result, Exception):
            store[path] = None
            self.failed.emit(path, str(result))
        else:
            store[path] = result  # type: ignore[assignment]
        self.ready.emit(path)
