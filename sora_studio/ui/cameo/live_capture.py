"""Worker threads for live enrollment: camera capture with live guidance, then the analysis of what was kept.

The capture thread reads frames through `capture.VideoSource` (a webcam index, or a video file standing in
for one), observes each with one `landmarks.FaceTracker`, and reports the face guide and the challenge
progress (`live_guide`) with the frame. The GUI thread only paints. The verdict comes afterwards from
`enroll.analyse_frames` over every kept frame, in `LiveAnalysisThread`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np
from PySide6.QtCore import QThread, Signal

from sora_studio.core.cameo import enroll
from sora_studio.core.cameo.capture import Frame, VideoSource
from sora_studio.core.cameo.landmarks import FaceTracker
from sora_studio.core.cameo.live_guide import ChallengeTracker, face_guide
from sora_studio.core.cancel import CancelToken
from sora_studio.errors import Cancelled, StudioError

MAX_WIDTH = 640  # frames kept for the analysis are scaled down to this: a 30 s capture stays in memory
MAX_SECONDS = 30.0
OBJECT_SECONDS = 4.0  # pets and objects: a short clip, no face steps
TAIL_SECONDS = 0.7  # keep recording this long after the last step, so the check sees it settle


@dataclass
class LiveCapture:
    """What the capture kept: frames (RGB, time-stamped), their rate, and whether a real camera made them."""

    frames: list[Frame]
    fps: float
    from_camera: bool

    @property
    def seconds(self) -> float:
        return len(self.frames) / self.fps if self.fps else 0.0


def _fit(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    if w <= MAX_WIDTH:
        return rgb
    size = (MAX_WIDTH, int(round(h * MAX_WIDTH / w)) // 2 * 2)
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


class LiveCaptureThread(QThread):
    """Capture until every step was seen (plus a short tail), Stop is pressed, the file ends, or 30 s pass."""

    frame_ready = Signal(object, object, object)  # rgb ndarray, live_guide.Guide | None, ChallengeStatus | None
    captured = Signal(object)  # LiveCapture
    failed = Signal(str)

    def __init__(self, source: int | str, challenges: list[str], kind: str = "person", pace: bool = True,
                 parent=None) -> None:
        super().__init__(parent)
        self.source, self.challenges, self.kind, self.pace = source, list(challenges), kind, pace
        self.cancel_token = CancelToken()  # abandon: nothing is kept
        self._stop = False  # finish now and keep what was recorded

    def stop(self) -> None:
        self._stop = True

    def run(self) -> None:  # worker thread
        try:
            capture = self._capture()
        except Cancelled:
            self.failed.emit("cancelled")
        except StudioError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - shown to the user instead of dying silently
            self.failed.emit(f"the capture failed unexpectedly: {exc}")
        else:
            self.captured.emit(capture)

    def _capture(self) -> LiveCapture:
        with VideoSource(self.source) as video:
            person = self.kind == "person"
            limit = MAX_SECONDS if person else OBJECT_SECONDS
            tracker = ChallengeTracker(self.challenges, video.fps) if person else None
            kept: list[Frame] = []
            done_at: float | None = None
            started = time.monotonic()
            with FaceTracker(max_faces=2) as faces:
                for frame in video.frames(max_seconds=limit + 1, cancel=self.cancel_token):
                    rgb = _fit(frame.rgb)
                    # a webcam's real frame times: it may deliver fewer frames than the rate it reports
                    when = time.monotonic() - started if video.live else frame.time_s
                    kept.append(Frame(frame.index, when, rgb))
                    guide = status = None
                    if tracker is not None:
                        obs = faces.observe(rgb, frame.index, when)
                        guide, status = face_guide(obs, rgb.shape[1], rgb.shape[0]), tracker.update(obs)
                        if status.complete and done_at is None:
                            done_at = when
                    self.frame_ready.emit(rgb, guide, status)
                    settled = done_at is not None and when - done_at >= TAIL_SECONDS
                    if self._stop or max(when, frame.time_s) >= limit or settled:
                        break
                    if self.pace and not video.live:  # a file standing in for a camera plays at its own speed
                        delay = started + frame.time_s - time.monotonic()
                        if delay > 0:
                            time.sleep(delay)
            return LiveCapture(kept, _measured_rate(kept) if video.live else video.fps, video.live)


def _measured_rate(frames: list[Frame]) -> float:
    """Frames per second actually delivered (the analysis counts holds and time limits in frames)."""
    if len(frames) < 2 or frames[-1].time_s <= frames[0].time_s:
        return 15.0
    return (len(frames) - 1) / (frames[-1].time_s - frames[0].time_s)


class LiveAnalysisThread(QThread):
    """Runs `enroll.analyse_frames` over a live capture and the phrase audio, off the GUI thread."""

    progressed = Signal(float, str)
    succeeded = Signal(object)  # enroll.EnrollmentResult
    failed = Signal(str)

    def __init__(self, capture: LiveCapture, *, kind: str, challenges: list[str], phrase: str | None,
                 audio: np.ndarray | None, parent=None) -> None:
        super().__init__(parent)
        self.capture, self.kind, self.challenges, self.phrase, self.audio = capture, kind, challenges, phrase, audio
        self.cancel_token = CancelToken()

    def run(self) -> None:  # worker thread
        try:
            result = enroll.analyse_frames(
                self.capture.frames, self.capture.fps, kind=self.kind, challenges=self.challenges,
                phrase=self.phrase, audio=self.audio, audio_in_video=False,
                capture="live" if self.capture.from_camera else "recorded",
                progress=self.progressed.emit, cancel=self.cancel_token, expected_frames=len(self.capture.frames))
        except Cancelled:
            self.failed.emit("cancelled")
        except StudioError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001
            self.failed.emit(f"analysis failed unexpectedly: {exc}")
        else:
            self.succeeded.emit(result)
