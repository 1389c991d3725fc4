"""Playback in the viewer, GUI-thread side: PlaybackController starts and stops the playback thread
(playback_thread.py), receives its frames in a slot and moves the playhead; it asks for scrub grains when
the user moves the playhead with playback stopped.

Lifetime: the controller stops its thread when the viewer is hidden, closed or destroyed (idempotent) and
starts a fresh one when it is shown again, so no thread outlives its window.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSettings, QSize, QTimer, Signal, Slot
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from sora_studio.ui.viewer.playback_thread import (  # clone_timeline, to_qimage: imported from here by others
    _LIVE_THREADS,
    START_DELAY_MS,
    PlaybackThread,
    clone_timeline,
    to_qimage,
)
from sora_studio.ui.viewer.scrub import ScrubAudio

__all__ = ["PlaybackController", "PlaybackThread", "clone_timeline", "preferences", "to_qimage"]

SCRUB_SETTING = "playback/scrub_audio"


def preferences() -> QSettings:
    """Editor preferences (per user, under the studio's config dir)."""
    from sora_studio.core.appdirs import config_dir

    return QSettings(str(config_dir() / "editor-preferences.ini"), QSettings.Format.IniFormat)



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
        self._stopped = False
        self._scrub_audio = preferences().value(SCRUB_SETTING, True, type=bool)
        self._scrub_armed = False  # grains only once a frame of this project is on screen (not on opening)
        self._thread = self._new_thread()
        # start after the window's first paint: the thread's first job imports PyAV/numpy (GIL-heavy)
        QTimer.singleShot(START_DELAY_MS, self._start_thread)
        session.timeline_changed.connect(self._on_timeline_changed)
        session.project_changed.connect(self._on_project_changed)
        session.playhead_changed.connect(self._on_playhead)
        if isinstance(parent, QWidget):  # the thread lives while the viewer is shown
            parent.installEventFilter(self)

    def _new_thread(self) -> PlaybackThread:
        thread = PlaybackThread(self.session.resolve, self.preview_size())
        thread.frame_ready.connect(self._on_frame)
        thread.reached_end.connect(self._on_end)
        thread.error.connect(self._on_error)
        self.destroyed.connect(thread.stop_thread)  # the controller's C++ side goes: so does its thread
        _LIVE_THREADS.add(thread)
        thread.set_timeline(self.session.timeline)
        thread.request_frame(self.session.playhead)
        return thread

    @Slot()
    def _start_thread(self) -> None:
        if not self._stopped and not self._thread.isRunning() and not self._thread.isFinished():
            self._thread.start()

    @property
    def running(self) -> bool:
        """Whether the playback thread is running (it stops while the viewer is hidden)."""
        return self._thread.isRunning()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent():
            if event.type() == QEvent.Type.Hide and not event.spontaneous():  # not a minimised window
                self.shutdown()
            elif event.type() == QEvent.Type.Show and self._stopped:
                self.resume()
        return False

    # -- audio scrubbing ----------------------------------------------------------------------
    @property
    def scrub_audio(self) -> bool:
        """Play a grain of sound at the playhead when the user moves it with playback stopped."""
        return self._scrub_audio

    @Slot(bool)
    def set_scrub_audio(self, on: bool) -> None:
        self._scrub_audio = bool(on)
        preferences().setValue(SCRUB_SETTING, self._scrub_audio)

    @property
    def scrub(self) -> ScrubAudio:
        """The current thread's grain player (its feed holds the samples handed to the device)."""
        return self._thread.scrub

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
        """Stop playback and its thread (hide, close, quit); safe to call any number of times."""
        if self._stopped:
            return
        self._stopped = True
        if self.speed != 0.0:
            self.speed = 0.0
            self.playing_changed.emit(False)
        self._thread.stop_thread()  # also when it never started: a pending start then does nothing
        try:
            self.destroyed.disconnect(self._thread.stop_thread)
        except (RuntimeError, TypeError):  # already gone
            pass

    @Slot()
    def resume(self) -> None:
        """Start a fresh thread after `shutdown` (the viewer is shown again)."""
        if not self._stopped:
            return
        self._stopped = False
        self.displayed_index = None
        self._thread = self._new_thread()
        self._thread.start()

    @Slot(int, QImage, int)
    def _on_frame(self, index: int, image: QImage, generation: int) -> None:
        if generation == 0:  # a seek: show it only if it is still the frame under the playhead
            if self.playing or index != self.session.playhead:
                return
        elif not self.playing or generation != self._generation:
            return  # from a playback run that has since been paused or re-targeted
        self.displayed_index = index
        self._own_playhead = index
        self._scrub_armed = True
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
            if self._scrub_audio and self._scrub_armed:
                self._thread.request_grain(frame)

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
        self._scrub_armed = False
        self._thread.set_timeline(self.session.timeline, self.preview_size())
        self._thread.request_frame(self.session.playhead)
