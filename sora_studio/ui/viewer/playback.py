"""Playback: a QThread decodes and composites timeline frames; the GUI thread only paints them.

The thread owns its TimelineCompositor (readers are not thread-safe) built on a *copy* of the timeline,
replaced whenever the timeline changes, so edits on the GUI thread never race the decoder. Frames go out
through the `frame_ready(index, QImage)` signal, which PlaybackController receives in a @Slot on the GUI
thread (a lambda would run in this thread). The playhead is set to the index of the frame just shown, so
what is on screen is always exactly the frame under the playhead.

Timing: the frame after the one on screen is decoded ahead (prefetch) while waiting for its due time on
the clock; a frame that is already late is skipped (picture follows the clock, never the reverse).
"""

from __future__ import annotations

import atexit
import copy
import threading
import weakref
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QImage

from sora_studio.core.timeline.model import Timeline
from sora_studio.ui.viewer.clock import AUDIO_RATE, AudioClock, WallClock

if TYPE_CHECKING:
    import numpy as np

PREFETCH = 4  # frames decoded ahead of the clock
_LIVE_THREADS: weakref.WeakSet[PlaybackThread] = weakref.WeakSet()


@atexit.register
def _stop_live_threads() -> None:
    """A QThread still running when Python exits aborts the process: stop any a window left behind."""
    for thread in list(_LIVE_THREADS):
        try:
            if thread.isRunning():
                thread.stop_thread()
        except RuntimeError:  # the C++ object is already gone
            pass

START_DELAY_MS = 150


def clone_timeline(timeline: Timeline) -> Timeline:
    """An independent copy of the timeline's content (no listeners) for use in another thread."""
    clone = Timeline(timeline.rate, timeline.name)
    clone.tracks = copy.deepcopy(timeline.tracks)
    clone.markers = copy.deepcopy(timeline.markers)
    clone.metadata = copy.deepcopy(timeline.metadata)
    return clone


def to_qimage(frame: np.ndarray) -> QImage:
    import numpy as np  # imported on first use (in the playback thread), not at start-up

    frame = np.ascontiguousarray(frame)
    h, w, _ = frame.shape
    # RGB32 is the backing store's own layout: painting it is a plain copy on the GUI thread
    return QImage(frame.data, w, h, 3 * w, QImage.Format.Format_RGB888).convertToFormat(QImage.Format.Format_RGB32)


class PlaybackThread(QThread):
    frame_ready = Signal(int, QImage, int)  # index, picture, play generation (0 for a still seek)
    reached_end = Signal(int)
    error = Signal(str)

    def __init__(self, resolve: Callable[[str], Path], size: tuple[int, int], use_audio: bool | None = None) -> None:
        super().__init__()
        self._resolve = resolve
        self._size = size
        self._cond = threading.Condition()
        self._timeline: Timeline | None = None
        self._timeline_version = 0
        self._request: int | None = None
        self._playing = False
        self._speed = 1.0
        self._start_frame = 0
        self._play_version = 0
        self._quit = False
        self._use_audio = use_audio  # None: look for an output device when the thread starts
        self._clock: WallClock | AudioClock = WallClock()
        self.uses_audio_clock = False
        self.frames_shown = 0
        self.frames_dropped = 0

    # -- called from the GUI thread ----------------------------------------------------------
    def set_timeline(self, timeline: Timeline, size: tuple[int, int] | None = None) -> None:
        with self._cond:
            self._timeline = clone_timeline(timeline)
            if size is not None:
                self._size = size
            self._timeline_version += 1
            self._cond.notify()

    def request_frame(self, index: int) -> None:
        with self._cond:
            self._request = index
            self._cond.notify()

    def play(self, start: int, speed: float) -> int:
        """Start (or re-target) playback; returns the generation number its frames will carry."""
        with self._cond:
            self._playing, self._speed, self._start_frame = True, speed, start
            self._play_version += 1
            self._request = None
            self._cond.notify()
            return self._play_version

    def pause(self) -> None:
        with self._cond:
            self._playing = False
            self._play_version += 1
            self._cond.notify()

    def stop_thread(self) -> None:
        with self._cond:
            self._quit = True
            self._playing = False
            self._cond.notify()
        self.wait(5000)

    # -- the thread --------------------------------------------------------------------------
    def run(self) -> None:
        compositor = None
        version = -1
        use_audio = AudioClock.available() if self._use_audio is None else self._use_audio
        if use_audio:
            try:
                self._clock = AudioClock()
                self.uses_audio_clock = True
            except Exception:  # noqa: BLE001 - a device that vanished: the wall clock still works
                self._clock = WallClock()
        try:
            while True:
                with self._cond:
                    while not self._quit and not self._playing and self._request is None and version == self._timeline_version:
                        self._cond.wait()
                    if self._quit:
                        break
                    rebuild = version != self._timeline_version
                    version, timeline, size = self._timeline_version, self._timeline, self._size
                    request, self._request = self._request, None
                    playing, speed, start, play_version = self._playing, self._speed, self._start_frame, self._play_version
                try:
                    if rebuild:  # outside the lock: the first build imports PyAV and numpy
                        if compositor is not None:
                            compositor.close()
                        compositor = None
                        compositor = self._make_compositor(timeline, size)
                    if compositor is None:
                        continue
                    if playing:
                        self._play(compositor, start, speed, play_version)
                    elif request is not None:
                        self._show(compositor, request)
                except Exception as exc:  # noqa: BLE001 - reported in the viewer; the thread stays ready
                    with self._cond:
                        if self._play_version == play_version:
                            self._playing = False
                    self.error.emit(f"playback stopped: {exc}")
        finally:
            self._clock.stop()
            if compositor is not None:
                compositor.close()

    def _make_compositor(self, timeline: Timeline | None, size: tuple[int, int]):
        from sora_studio.core.export.composite import TimelineCompositor

        assert timeline is not None
        self._playing_timeline = timeline
        return TimelineCompositor(timeline, self._resolve, *size)

    def _frame(self, compositor, index: int) -> QImage:
        return to_qimage(compositor.video_frame(index))

    def _show(self, compositor, index: int) -> None:
        self.frame_ready.emit(index, self._frame(compositor, index), 0)

    def _still_current(self, play_version: int) -> bool:
        return self._play_version == play_version and not self._quit

    def _play(self, compositor, start: int, speed: float, play_version: int) -> None:
        """Show frames on the clock until paused, re-targeted, or the end is reached."""
        timeline = self._playing_timeline
        rate: Fraction = timeline.rate
        duration = max(1, timeline.duration)
        step = 1 if speed > 0 else -1
        audio = isinstance(self._clock, AudioClock) and speed == 1.0
        clock = self._clock if audio else WallClock()
        queue: list[tuple[int, QImage]] = []
        next_index = start
        while len(queue) < PREFETCH and 0 <= next_index < duration:  # fill before the clock starts
            queue.append((next_index, self._frame(compositor, next_index)))
            next_index += step
        audio_next = start
        preroll = None
        if audio:  # a quarter second of sound queued before the device starts
            n = max(1, round(float(rate) / 4))
            preroll = compositor.audio(start, n, AUDIO_RATE)
            audio_next += n
        clock.start(start, speed, rate, preroll)
        ended = False
        try:
            while self._still_current(play_version):
                if audio and isinstance(clock, AudioClock) and clock.feed.queued < AUDIO_RATE // 4:
                    n = max(1, round(float(rate) / 10))
                    clock.feed.push(compositor.audio(audio_next, n, AUDIO_RATE))
                    audio_next += n
                position = clock.position()
                if len(queue) < PREFETCH and 0 <= next_index < duration:
                    if (position - next_index) * step >= 1:  # decoding fell behind: skip to what is due
                        next_index = min(duration - 1, max(0, int(position) + step))
                    queue.append((next_index, self._frame(compositor, next_index)))
                    next_index += step
                    continue
                if not queue:
                    ended = True
                    self.reached_end.emit(min(max(0, next_index - step), duration - 1))
                    break
                index, image = queue[0]
                late = (position - index) * step
                if late >= 1.0 and len(queue) > 1 and (position - queue[1][0]) * step >= 0:
                    queue.pop(0)  # the next decoded frame is due as well: drop this one
                    self.frames_dropped += 1
                    continue
                if late >= 0.0:
                    queue.pop(0)
                    self.frame_ready.emit(index, image, play_version)
                    self.frames_shown += 1
                    continue
                wait_s = min(0.02, -late / (float(rate) * abs(speed)))
                with self._cond:
                    if self._still_current(play_version):
                        self._cond.wait(timeout=max(0.0005, wait_s))
        finally:
            clock.stop()
            if ended:
                with self._cond:
                    if self._play_version == play_version:
                        self._playing = False


class PlaybackController(QObject):
    """GUI-thread side: starts/stops the thread, receives frames in a slot, moves the playhead."""

    frame_shown = Signal(int, QImage)
    playing_changed = Signal(bool)
    error_occurred = Signal(str)

    def __init__(self, session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.speed = 0.0
        self.displayed_index: int | None = None
        self.error_message = ""
        self._view_size = (960, 540)
        self._generation = -1
        self._own_playhead: int | None = None
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(120)
        self._resize_timer.timeout.connect(self._apply_view_size)
        self._thread = PlaybackThread(session.resolve, self.preview_size())
        self._thread.frame_ready.connect(self._on_frame)
        self._thread.reached_end.connect(self._on_end)
        self._thread.error.connect(self._on_error)
        _LIVE_THREADS.add(self._thread)
        self._thread.set_timeline(session.timeline)
        # start after the window's first paint: the thread's first job imports PyAV/numpy (GIL-heavy)
        QTimer.singleShot(START_DELAY_MS, self._thread.start)
        session.timeline_changed.connect(self._on_timeline_changed)
        session.project_changed.connect(self._on_project_changed)
        session.playhead_changed.connect(self._on_playhead)
        self._thread.request_frame(session.playhead)

    @property
    def uses_audio_clock(self) -> bool:
        return self._thread.uses_audio_clock

    def preview_size(self) -> tuple[int, int]:
        """Project size scaled to fit the viewer widget (never larger than the project), so frames arrive
        ready to blit and the GUI thread never scales pictures."""
        settings = getattr(self.session.project, "settings", None)
        w = int(getattr(settings, "width", 1920) or 1920)
        h = int(getattr(settings, "height", 1080) or 1080)
        box_w, box_h = self._view_size
        scale = min(1.0, box_w / w, box_h / h)
        return max(2, int(w * scale) // 2 * 2), max(2, int(h * scale) // 2 * 2)

    @Slot(QSize)
    def set_view_size(self, size: QSize) -> None:
        """The viewer was resized: render at the new size once resizing pauses."""
        self._view_size = (max(16, size.width()), max(16, size.height()))
        self._resize_timer.start()

    @Slot()
    def _apply_view_size(self) -> None:
        self._thread.set_timeline(self.session.timeline, self.preview_size())
        if self.playing:
            self._generation = self._thread.play(self.session.playhead, self.speed)
        else:
            self.displayed_index = None
            self._thread.request_frame(self.session.playhead)

    @property
    def playing(self) -> bool:
        return self.speed != 0.0

    def play(self, speed: float = 1.0) -> None:
        start = self.session.playhead
        end = self.session.timeline.duration
        if speed > 0 and start >= end - 1:
            start = 0  # play from the top when parked at the end
        self.speed = speed
        self._generation = self._thread.play(start, speed)
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if self.speed != 0.0:
            self.speed = 0.0
            self._thread.pause()
            self.playing_changed.emit(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play(1.0)

    def shuttle(self, direction: int) -> None:
        """J/L: start at 1x in that direction; pressed again, double the speed (up to 8x)."""
        if self.speed * direction > 0:
            speed = min(8.0, abs(self.speed) * 2) * direction
        else:
            speed = float(direction)
        self.play(speed)

    @Slot()
    def shutdown(self) -> None:
        if self._thread.isRunning():
            self._thread.stop_thread()

    @Slot(int, QImage, int)
    def _on_frame(self, index: int, image: QImage, generation: int) -> None:
        if generation == 0:  # a seek: show it only if it is still the frame under the playhead
            if self.playing or index != self.session.playhead:
                return
        elif not self.playing or generation != self._generation:
            return  # from a playback run that has since been paused or re-targeted
        self.displayed_index = index
        self._own_playhead = index
        self.session.set_playhead(index)
        self.frame_shown.emit(index, image)

    @Slot(int)
    def _on_end(self, last: int) -> None:
        self.speed = 0.0
        self.playing_changed.emit(False)

    @Slot(str)
    def _on_error(self, message: str) -> None:
        self.error_message = message
        self.speed = 0.0
        self.playing_changed.emit(False)
        self.error_occurred.emit(message)

    @Slot(int)
    def _on_playhead(self, frame: int) -> None:
        if self.playing:
            if frame != self._own_playhead:  # the user scrubbed while playing
                self._generation = self._thread.play(frame, self.speed)
            return
        if frame != self.displayed_index:
            self._thread.request_frame(frame)

    @Slot()
    def _on_timeline_changed(self) -> None:
        self._thread.set_timeline(self.session.timeline)
        if self.playing:
            self._generation = self._thread.play(self.session.playhead, self.speed)
        else:
            self._thread.request_frame(self.session.playhead)

    @Slot()
    def _on_project_changed(self) -> None:
        self.displayed_index = None  # the old project's frame is not this project's
        self._thread.set_timeline(self.session.timeline, self.preview_size())
        self._thread.request_frame(self.session.playhead)
