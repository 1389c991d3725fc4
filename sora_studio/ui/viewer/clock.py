"""Playback clocks: where the playhead should be *now*, in (fractional) timeline frames. Qt-free.

With an audio device the sound card is the master clock (samples it has consumed), so picture follows
sound; without one (CI, headless machines) a monotonic wall clock runs at the playback speed.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

AUDIO_RATE = 48000


class WallClock:
    """Frames elapsed on time.perf_counter since start, times speed."""

    def __init__(self) -> None:
        self._origin_frame = 0.0
        self._origin_time = time.perf_counter()
        self._fps = 24.0
        self.speed = 0.0

    def start(self, frame: int, speed: float, rate: Fraction, preroll: object = None) -> None:
        self._origin_frame = float(frame)
        self._origin_time = time.perf_counter()
        self._fps = float(rate)
        self.speed = speed

    def position(self) -> float:
        return self._origin_frame + (time.perf_counter() - self._origin_time) * self._fps * self.speed

    def stop(self) -> None:
        self.speed = 0.0


class AudioFeed:
    """Thread-safe FIFO of stereo float32 blocks between the playback thread and the audio callback."""

    def __init__(self) -> None:
        self._blocks: deque[np.ndarray] = deque()
        self._lock = threading.Lock()
        self.queued = 0  # samples waiting
        self.consumed = 0  # samples handed to the device (silence for underruns included)

    def push(self, block: np.ndarray) -> None:
        import numpy as np

        with self._lock:
            self._blocks.append(np.ascontiguousarray(block.T, dtype=np.float32))  # [N, 2] for the device
            self.queued += block.shape[1]

    def pull(self, out: np.ndarray) -> None:
        """Fill `out` [N, 2] from the queue, silence where the queue runs dry."""
        n = out.shape[0]
        filled = 0
        with self._lock:
            while filled < n and self._blocks:
                block = self._blocks[0]
                take = min(n - filled, block.shape[0])
                out[filled : filled + take] = block[:take]
                if take == block.shape[0]:
                    self._blocks.popleft()
                else:
                    self._blocks[0] = block[take:]
                filled += take
            self.queued -= filled
            self.consumed += n
        out[filled:] = 0.0

    def clear(self) -> None:
        with self._lock:
            self._blocks.clear()
            self.queued = 0
            self.consumed = 0


class AudioClock:
    """Position from the samples the device has consumed; owns the sounddevice output stream."""

    def __init__(self) -> None:
        import sounddevice  # noqa: PLC0415 - optional at run time (needs libportaudio2 and a device)

        self._sd = sounddevice
        self.feed = AudioFeed()
        self._stream = None
        self._origin_frame = 0.0
        self._fps = 24.0
        self.speed = 0.0

    @staticmethod
    def available() -> bool:
        """True when an output device exists (never on the headless CI machines)."""
        try:
            import sounddevice  # noqa: PLC0415

            sounddevice.query_devices(kind="output")
            return True
        except Exception:  # noqa: BLE001 - no PortAudio, no device, or a broken driver: use the wall clock
            return False

    def start(self, frame: int, speed: float, rate: Fraction, preroll: np.ndarray | None = None) -> None:
        """Open the device and play from `frame`; `preroll` ([2, N] samples) is queued first so the
        sound card does not start on an underrun."""
        self.stop()
        self._origin_frame, self._fps, self.speed = float(frame), float(rate), speed
        self.feed.clear()
        if preroll is not None:
            self.feed.push(preroll)

        def callback(outdata, frames, time_info, status) -> None:  # runs in PortAudio's thread
            self.feed.pull(outdata)

        self._stream = self._sd.OutputStream(samplerate=AUDIO_RATE, channels=2, dtype="float32", callback=callback)
        self._stream.start()

    def position(self) -> float:
        """Frames heard so far: samples handed to the device minus what is still in its output buffer."""
        latency = float(getattr(self._stream, "latency", 0.0) or 0.0) if self._stream is not None else 0.0
        heard = max(0.0, self.feed.consumed / AUDIO_RATE - latency)
        return self._origin_frame + heard * self._fps

    def stop(self) -> None:
        self.speed = 0.0
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
        self.feed.clear()
