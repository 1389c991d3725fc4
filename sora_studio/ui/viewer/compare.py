"""A/B take comparison, the data side: which takes are compared and a thread that decodes their frames.

`CompareDecoder` is a QThread with its own readers (one per file; readers are not thread-safe). The GUI
thread only posts the latest request (source time + box size for each side); older requests are dropped,
so scrubbing never queues work and the GUI thread never waits on a decoder. Decoded frames are kept in a
small LRU cache and the next frames are decoded ahead while the thread is idle, so playback and stepping
back and forth over a few frames cost no decode. Results go out through `frame_ready`, to be received in a
@Slot of a GUI-thread QObject (a lambda would run in this thread).
"""

from __future__ import annotations

import atexit
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage

from sora_studio.ui.takes import take_label, take_recipe_summary

CACHE_FRAMES = 24  # decoded pictures kept (both sides together)
MAX_READERS = 4  # open decoders (one per take file), least recently used closed first
PREFETCH = 3  # frames decoded ahead of the last request while idle
_LIVE: weakref.WeakSet[CompareDecoder] = weakref.WeakSet()


@dataclass(frozen=True)
class SideRequest:
    """What one side shows: the take's file (None when its media is missing) at a source time, fitted into box."""

    side: str  # "A" or "B"
    path: str | None
    seconds: float
    box: tuple[int, int]
    missing_text: str = "Media missing"
    frame_period: float = 1 / 24


@dataclass(frozen=True)
class TakeSide:
    """How a take is labelled in the compare view."""

    key: str
    title: str
    details: str
    missing: bool


def describe_take(key: str, take) -> TakeSide:
    return TakeSide(key, take_label(key, take), take_recipe_summary(take), bool(take.missing))


def source_frame(clip, playhead: int) -> int:
    """The clip's source frame under the playhead, held at the clip's first/last frame outside it."""
    offset = min(max(0, playhead - clip.start), max(0, clip.duration - 1))
    return clip.source_in + offset


@atexit.register
def stop_live_decoders() -> None:
    """A QThread still running when Python exits aborts the process: stop any a window left behind."""
    for thread in list(_LIVE):
        try:
            if thread.isRunning():
                thread.stop_thread()
        except RuntimeError:  # the C++ object is already gone
            pass


class CompareDecoder(QThread):
    frame_ready = Signal(int, str, QImage, str)  # request number, side, picture (null on error), message

    def __init__(self) -> None:
        super().__init__()
        self._cond = threading.Condition()
        self._pending: tuple[int, tuple[SideRequest, ...]] | None = None
        self._quit = False
        self._cache: OrderedDict[tuple, QImage] = OrderedDict()
        self._readers: OrderedDict[str, object] = OrderedDict()
        self._failed: dict[str, str] = {}
        self.decoded = 0  # frames actually decoded (cache misses), for tests
        _LIVE.add(self)

    # -- GUI thread ------------------------------------------------------------------------
    def request(self, number: int, sides: tuple[SideRequest, ...]) -> None:
        """Replace any request not yet started with this one."""
        with self._cond:
            self._pending = (number, sides)
            self._cond.notify()

    def stop_thread(self) -> None:
        with self._cond:
            self._quit = True
            self._cond.notify()
        self.wait(5000)

    # -- the thread --------------------------------------------------------------------------
    def run(self) -> None:
        ahead: list[SideRequest] = []
        try:
            while True:
                with self._cond:
                    while not self._quit and self._pending is None and not ahead:
                        self._cond.wait()
                    if self._quit:
                        break
                    job, self._pending = self._pending, None
                if job is None:  # idle: decode one frame ahead, then look for a new request again
                    self._picture(ahead.pop(0))
                    continue
                number, sides = job
                for req in sides:
                    image, message = self._picture(req)
                    self.frame_ready.emit(number, req.side, image, message)
                ahead = [SideRequest(r.side, r.path, r.seconds + k * r.frame_period, r.box, r.missing_text,
                                     r.frame_period) for k in range(1, PREFETCH + 1) for r in sides if r.path]
        finally:
            for reader in self._readers.values():
                reader.close()  # type: ignore[attr-defined]
            self._readers.clear()

    def _picture(self, req: SideRequest) -> tuple[QImage, str]:
        if req.path is None:
            return QImage(), req.missing_text
        key = (req.path, round(req.seconds * 1000), req.box)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached, ""
        try:
            image = self._decode(req)
        except Exception as exc:  # noqa: BLE001 - shown on that side; the other side and the app go on
            return QImage(), str(exc)
        self._cache[key] = image
        while len(self._cache) > CACHE_FRAMES:
            self._cache.popitem(last=False)
        return image, ""

    def _decode(self, req: SideRequest) -> QImage:
        from sora_studio.core.export.composite import fit_rect
        from sora_studio.core.media.decode import open_reader
        from sora_studio.errors import BadInput
        from sora_studio.ui.viewer.playback import to_qimage

        assert req.path is not None
        if req.path in self._failed:
            raise BadInput(self._failed[req.path])
        reader = self._readers.get(req.path)
        if reader is None:
            if not Path(req.path).is_file():
                self._failed[req.path] = f"{req.missing_text}: {Path(req.path).name}"
                raise BadInput(self._failed[req.path])
            try:
                reader = open_reader(req.path)
            except (BadInput, OSError) as exc:
                self._failed[req.path] = str(exc)
                raise
            self._readers[req.path] = reader
            while len(self._readers) > MAX_READERS:
                _, old = self._readers.popitem(last=False)
                old.close()  # type: ignore[attr-defined]
        else:
            self._readers.move_to_end(req.path)
        src_w, src_h = reader.display_size  # type: ignore[attr-defined]
        _, _, w, h = fit_rect(src_w, src_h, max(2, req.box[0]), max(2, req.box[1]))
        self.decoded += 1
        return to_qimage(reader.frame_at(req.seconds, size=(w, h)))  # type: ignore[attr-defined]
