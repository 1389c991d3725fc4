"""Audio scrubbing: while playback is stopped, each move of the playhead (a drag on the ruler or the scrub
bar, a frame step) plays a short grain of the master at the new position, as editors do.

A grain is about one frame of sound (40-80 ms) with 4 ms raised-cosine fades so it does not click. Grains are
rate-limited to one per grain length: requests in between are coalesced to the latest (the playback thread
keeps only the newest), and a grain still waiting for the device when the next one starts is dropped, so a
fast drag never builds a backlog of sound behind the mouse. Qt-free; the playback thread computes grains
from its PreviewMix (the same mix playback hears) and hands them to `ScrubAudio.play`. The samples go
through an `AudioFeed`; a PortAudio output stream drains it when the machine has an output device.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING

from sora_studio.ui.viewer.clock import AUDIO_RATE, AudioClock, AudioFeed

if TYPE_CHECKING:
    import numpy as np

GRAIN_MIN_S, GRAIN_MAX_S = 0.04, 0.08
FADE_S = 0.004


def grain_samples(timeline_rate: Fraction, rate: int = AUDIO_RATE) -> int:
    """Samples in one grain: one timeline frame, kept between 40 and 80 ms."""
    seconds = min(GRAIN_MAX_S, max(GRAIN_MIN_S, 1 / float(timeline_rate)))
    return round(seconds * rate)


def shape_grain(block: np.ndarray, rate: int = AUDIO_RATE) -> np.ndarray:
    """The block with raised-cosine fades in and out (a grain that starts and ends at silence)."""
    import numpy as np

    n = block.shape[1]
    fade = min(round(FADE_S * rate), n // 2)
    envelope = np.ones(n, np.float32)
    if fade:
        ramp = (0.5 - 0.5 * np.cos(np.pi * (np.arange(fade) + 0.5) / fade)).astype(np.float32)
        envelope[:fade], envelope[n - fade:] = ramp, ramp[::-1]
    return (block * envelope).astype(np.float32)


class ScrubAudio:
    """Grains for the device: one at a time, at most one per grain length. Used by one thread."""

    def __init__(self, output: bool | None = False, clock: Callable[[], float] = time.monotonic) -> None:
        self.feed = AudioFeed()
        self.output = output  # None: use the output device when one exists
        self.interval_s = GRAIN_MIN_S
        self.grains_played = 0
        self.grains_dropped = 0  # grains replaced before the device had played them
        self._clock = clock
        self._last = -math.inf
        self._stream = None

    def wait_s(self) -> float:
        """Seconds until the next grain may start (0: now)."""
        return max(0.0, self._last + self.interval_s - self._clock())

    def play(self, block: np.ndarray, rate: int = AUDIO_RATE) -> None:
        """Queue a grain (float32 [2, N]); what is left of the previous one is dropped."""
        if self.feed.queued:
            self.feed.clear()
            self.grains_dropped += 1
        self.interval_s = block.shape[1] / rate
        self._last = self._clock()
        self.feed.push(block)
        self.grains_played += 1
        self._open_output()

    def _open_output(self) -> None:
        if self._stream is not None or self.output is False:
            return
        if self.output is None:
            self.output = AudioClock.available()
            if not self.output:
                return
        try:
            import sounddevice  # needs libportaudio2 and a device

            def callback(outdata, frames, time_info, status) -> None:  # runs in PortAudio's thread
                self.feed.pull(outdata)

            self._stream = sounddevice.OutputStream(samplerate=AUDIO_RATE, channels=2, dtype="float32",
                                                    callback=callback)
            self._stream.start()
        except Exception:  # noqa: BLE001 - a device that vanished: scrub silently, playback still works
            self._stream, self.output = None, False

    def close_output(self) -> None:
        """Give the device back (before playback opens it, and when the viewer goes away); idempotent."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            stream.stop()
            stream.close()
        self.feed.clear()
