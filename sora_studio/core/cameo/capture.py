"""Where enrollment frames and sound come from: a webcam/microphone live, or recorded files.

Both paths yield the same things (RGB uint8 frames with timestamps, mono float32 audio at 16 kHz), so the
same analysis runs on live capture and on a recorded clip. OpenCV's VideoCapture opens a device index or
a file; sounddevice records the microphone. Machines without devices get a clear error, not a hang.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from sora_studio.core.cancel import CancelToken, check
from sora_studio.errors import BadInput, StudioError

AUDIO_RATE = 16000
MAX_SECONDS = 60.0  # an enrollment clip is short; refuse hour-long files instead of decoding them


def _quiet_opencv() -> None:
    try:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    except AttributeError:  # builds without the logging utilities
        pass


@dataclass
class Frame:
    index: int
    time_s: float
    rgb: np.ndarray


class VideoSource:
    """Frames from a camera (int device index) or a video file, as RGB uint8 with timestamps."""

    def __init__(self, source: int | str | os.PathLike[str], fps_hint: float = 15.0) -> None:
        self.live = isinstance(source, int)
        if not self.live:
            path = Path(source)
            if not path.is_file():
                raise BadInput(f"video file not found: {path}")
            if path.stat().st_size == 0:
                raise BadInput(f"the video file is empty: {path}")
        _quiet_opencv()  # its probing of absent devices prints pages of warnings; we report one clear line
        self._cap = cv2.VideoCapture(source if self.live else str(source))
        if not self._cap.isOpened():
            self._cap.release()
            if self.live:
                raise StudioError(f"no camera/microphone found: camera {source} could not be opened "
                                  "(connect a webcam, or enroll from a recorded video with --video)")
            raise BadInput(f"cannot read the video {source}: not a video file or an unsupported format")
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 1.0 <= fps <= 240.0 else fps_hint

    def frames(self, max_seconds: float = MAX_SECONDS, cancel: CancelToken | None = None) -> Iterator[Frame]:
        index = 0
        while True:
            check(cancel)
            ok, bgr = self._cap.read()
            if not ok or bgr is None:
                break
            time_s = index / self.fps
            if time_s > max_seconds:
                raise BadInput(f"the enrollment clip is longer than {max_seconds:.0f} s: record a shorter one")
            yield Frame(index, time_s, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            index += 1
        if index == 0:
            raise BadInput("the video has no readable frames (corrupt or truncated file?)")

    def close(self) -> None:
        self._cap.release()

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_audio_file(path: str | os.PathLike[str]) -> np.ndarray | None:
    """Mono float32 at 16 kHz from any audio or video file PyAV reads; None when it has no audio stream."""
    import av

    path = Path(path)
    if not path.is_file():
        raise BadInput(f"audio file not found: {path}")
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                return None
            resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE)
            chunks = []
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
                if sum(len(c) for c in chunks) > MAX_SECONDS * AUDIO_RATE:
                    raise BadInput(f"the audio in {path.name} is longer than {MAX_SECONDS:.0f} s")
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except (av.error.InvalidDataError, av.error.ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read audio from {path.name}: {exc}") from exc
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)


class MicrophoneSource:
    """Records mono 16 kHz audio from the default (or a named) input device with sounddevice."""

    def __init__(self, device: int | str | None = None) -> None:
        try:
            import sounddevice as sd
        except OSError as exc:  # PortAudio library missing (Linux: apt install libportaudio2)
            raise StudioError("no camera/microphone found: the audio library (PortAudio) is not installed") from exc
        self._sd = sd
        try:
            devices = [d for d in sd.query_devices() if d["max_input_channels"] > 0]
        except Exception as exc:  # noqa: BLE001 - PortAudio reports missing hosts in many ways
            raise StudioError(f"no camera/microphone found: {exc}") from exc
        if not devices:
            raise StudioError("no camera/microphone found: connect a microphone, or enroll with --audio FILE")
        self.device = device

    def start(self, seconds: float) -> None:
        """Begin recording in the background (so sound and frames are captured together)."""
        self._buffer = self._sd.rec(int(seconds * AUDIO_RATE), samplerate=AUDIO_RATE, channels=1,
                                    dtype="float32", device=self.device)

    def finish(self) -> np.ndarray:
        self._sd.wait()
        return self._buffer.reshape(-1)
