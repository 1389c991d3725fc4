"""The playback thread: decodes and composites timeline frames and plays the master's sound; the GUI thread
only paints (the controller is in playback.py).

The thread owns its TimelineCompositor (readers are not thread-safe) built on a *copy* of the timeline,
replaced whenever the timeline changes, so edits on the GUI thread never race the decoder. Frames go out
through the `frame_ready(index, QImage)` signal, which PlaybackController receives in a @Slot on the GUI
thread (a lambda would run in this thread). The playhead is set to the index of the frame just shown, so
what is on screen is always exactly the frame under the playhead.

Timing: the frame after the one on screen is decoded ahead (prefetch) while waiting for its due time on
the clock; a frame that is already late is skipped (picture follows the clock, never the reverse).

Sound: the thread plays the export's master (core/audio/preview.py PreviewMix: fades, ducking, loudness
gain, limiter), whose whole-programme loudness gain is measured in the background and applied once known.
While stopped, each playhead move the user makes plays a short grain of it (scrub.py).
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

from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage

from sora_studio.core.timeline.model import Timeline
from sora_studio.ui.viewer.clock import AUDIO_RATE, AudioClock, WallClock
from sora_studio.ui.viewer.scrub import ScrubAudio, grain_samples, shape_grain

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


def preview_mix_settings():
    """The master settings of the default export preset: playback hears what that export writes."""
    from sora_studio.core.audio.mixdown import MixSettings
    from sora_studio.core.export.presets import DEFAULT_PRESET, get_preset

    try:
        preset = get_preset(DEFAULT_PRESET)
    except Exception:  # noqa: BLE001 - unreadable presets: the mix's own defaults
        return MixSettings()
    return MixSettings(rate=AUDIO_RATE, target_lufs=preset.loudness_lufs)


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
        self._grain: int | None = None  # latest playhead frame to scrub (coalesced)
        self.scrub = ScrubAudio(output=use_audio)
        self.analyser = None  # ProgrammeAnalyser, made by the thread (it imports numpy)
        self.mix = None  # PreviewMix of the current timeline (the thread's own)
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

    def request_grain(self, index: int) -> None:
        """Scrub: play a grain of sound at `index` (the latest request wins; at most one per grain length)."""
        with self._cond:
            if not self._playing:
                self._grain = index
                self._cond.notify()

    def play(self, start: int, speed: float) -> int:
        """Start (or re-target) playback; returns the generation number its frames will carry."""
        with self._cond:
            self._playing, self._speed, self._start_frame = True, speed, start
            self._play_version += 1
            self._request = None
            self._grain = None
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
        self.scrub.output = use_audio
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
                        if self._grain is not None and self.scrub.wait_s() == 0:
                            break
                        self._cond.wait(timeout=None if self._grain is None else max(0.001, self.scrub.wait_s()))
                    if self._quit:
                        break
                    rebuild = version != self._timeline_version
                    version, timeline, size = self._timeline_version, self._timeline, self._size
                    request, self._request = self._request, None
                    playing, speed, start, play_version = self._playing, self._speed, self._start_frame, self._play_version
                    grain = None
                    if not playing and self._grain is not None and self.scrub.wait_s() == 0:
                        grain, self._grain = self._grain, None
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
                    if grain is not None:
                        self.scrub_grain(grain)
                except Exception as exc:  # noqa: BLE001 - reported in the viewer; the thread stays ready
                    with self._cond:
                        if self._play_version == play_version:
                            self._playing = False
                    self.error.emit(f"playback stopped: {exc}")
        finally:
            self._clock.stop()
            self.scrub.close_output()
            if compositor is not None:
                compositor.close()
            if self.mix is not None:
                self.mix.close()
            if self.analyser is not None:
                self.analyser.close()

    def _make_compositor(self, timeline: Timeline | None, size: tuple[int, int]):
        from sora_studio.core.audio.preview import PreviewMix
        from sora_studio.core.audio.programme import ProgrammeAnalyser
        from sora_studio.core.export.composite import TimelineCompositor

        assert timeline is not None
        self._playing_timeline = timeline
        if self.analyser is None:
            self.analyser = ProgrammeAnalyser(preview_mix_settings())
        if self.mix is not None:
            self.mix.close()
        self.mix = PreviewMix(timeline, self._resolve, self.analyser.settings, self.analyser)  # measures in the background
        return TimelineCompositor(timeline, self._resolve, *size)

    def scrub_grain(self, index: int) -> None:
        """Play one grain of the master at timeline frame `index` (in this thread: it reads the media)."""
        from sora_studio.core.audio.mixdown import samples_at

        rate = self._playing_timeline.rate
        block = self.mix.audio_samples(samples_at(index, rate, AUDIO_RATE), grain_samples(rate), AUDIO_RATE)
        self.scrub.play(shape_grain(block))

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
        mix = self.mix
        if audio:
            self.scrub.close_output()  # the clock's stream takes the device
        queue: list[tuple[int, QImage]] = []
        next_index = start
        while len(queue) < PREFETCH and 0 <= next_index < duration:  # fill before the clock starts
            queue.append((next_index, self._frame(compositor, next_index)))
            next_index += step
        audio_next = start
        preroll = None
        if audio:  # a quarter second of sound queued before the device starts
            n = max(1, round(float(rate) / 4))
            preroll = mix.audio(start, n, AUDIO_RATE)
            audio_next += n
        clock.start(start, speed, rate, preroll)
        ended = False
        try:
            while self._still_current(play_version):
                if audio and isinstance(clock, AudioClock) and clock.feed.queued < AUDIO_RATE // 4:
                    n = max(1, round(float(rate) / 10))
                    clock.feed.push(mix.audio(audio_next, n, AUDIO_RATE))
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
