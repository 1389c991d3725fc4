"""Worker threads for live enrollment: camera capture with live guidance, the phrase step with the camera
still running, then the analysis of what was kept.

The capture thread opens a `CaptureSession` (one `capture.VideoSource`: a webcam index, or a video file
standing in for one), observes each frame with one `landmarks.FaceTracker`, and reports the face guide and
the challenge progress (`live_guide`) with the frame. The session stays open after the face steps, so the
phrase step (`PhraseCaptureThread`) goes on reading the same camera, or playing on the same file, while the
phrase is spoken. The GUI thread only paints. The verdict comes afterwards from `enroll.analyse_frames`
over every kept frame, the phrase sound and the faces seen while it was spoken, in `LiveAnalysisThread`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QThread, Signal

from sora_studio.core.cameo import enroll
from sora_studio.core.cameo import live_phrase
from sora_studio.core.cameo.capture import Frame, VideoSource
from sora_studio.core.cameo.landmarks import FaceObservation, FaceTracker
from sora_studio.core.cameo.live_guide import ChallengeTracker, face_guide
from sora_studio.core.cancel import CancelToken, check
from sora_studio.errors import Cancelled, StudioError

MAX_WIDTH = 640  # frames kept for the analysis are scaled down to this: a 30 s capture stays in memory
MAX_SECONDS = 30.0
OBJECT_SECONDS = 4.0  # pets and objects: a short clip, no face steps
TAIL_SECONDS = 0.7  # keep recording this long after the last step, so the check sees it settle
PHRASE_SECONDS = 15.0  # the phrase step stops by itself after this long (as the microphone does)


class CaptureSession:
    """One open camera (or video file standing in for it), read by the face steps and then the phrase step.

    A file is never rewound: the phrase step plays on from where the face steps stopped, with the file's own
    times (`Frame.time_s`), so its sound track can be cut to the frames that were played."""

    def __init__(self, source: int | str) -> None:
        self.source = source
        self.video = VideoSource(source)
        self.live, self.fps = self.video.live, self.video.fps
        self._frames = self.video.frames()
        self.ended = False

    @property
    def path(self) -> Path | None:
        return None if self.live else Path(self.source)

    def next_frame(self, cancel: CancelToken | None = None) -> Frame | None:
        """The next frame, or None at the end of a file (or after close())."""
        check(cancel)
        if self.ended:
            return None
        try:
            return next(self._frames)
        except StopIteration:
            self.ended = True
            return None

    def close(self) -> None:
        self.ended = True
        self.video.close()


@dataclass
class LiveCapture:
    """What the capture kept: frames (RGB, time-stamped), their rate, whether a real camera made them, and the
    still-open session the phrase step reads on (people only; closed with the capture)."""

    frames: list[Frame]
    fps: float
    from_camera: bool
    session: CaptureSession | None = None

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

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
        session = CaptureSession(self.source)
        try:
            capture = self._record(session)
        except BaseException:
            session.close()
            raise
        if self.kind != "person":  # no phrase step follows
            session.close()
            capture.session = None
        return capture

    def _record(self, video: CaptureSession) -> LiveCapture:
        person = self.kind == "person"
        limit = MAX_SECONDS if person else OBJECT_SECONDS
        tracker = ChallengeTracker(self.challenges, video.fps) if person else None
        kept: list[Frame] = []
        done_at: float | None = None
        started = time.monotonic()
        with FaceTracker(max_faces=2) as faces:
            while (frame := video.next_frame(self.cancel_token)) is not None:
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
        if not kept:
            raise StudioError("the video has no readable frames (corrupt or truncated file?)")
        return LiveCapture(kept, _measured_rate(kept) if video.live else video.fps, video.live, video)


def _measured_rate(frames: list[Frame]) -> float:
    """Frames per second actually delivered (the analysis counts holds and time limits in frames)."""
    if len(frames) < 2 or frames[-1].time_s <= frames[0].time_s:
        return 15.0
    return (len(frames) - 1) / (frames[-1].time_s - frames[0].time_s)


class PhraseCaptureThread(QThread):
    """The camera keeps running while the phrase is spoken: every frame is observed (mouth opening from the
    landmarks, the guide for the preview) and timed on the sound's timeline.

    With a camera device the times are the clock since the microphone stream started (`audio_started`, a
    `time.monotonic()` value); the microphone's Stop ends it. With a video file standing in for the camera the
    file plays on (at its own speed unless `pace` is off) until it ends, Stop, or 15 s, and its own sound
    over the frames played becomes the take (`live_phrase.file_take`), emitted as `recorded`.
    """

    frame_ready = Signal(object, object, object)  # rgb ndarray, live_guide.Guide | None, None
    recorded = Signal(object)  # live_phrase.PhraseTake (file) or list[FaceObservation] (camera device)
    failed = Signal(str)

    def __init__(self, session: CaptureSession, audio_started: float | None = None, pace: bool = True,
                 parent=None) -> None:
        super().__init__(parent)
        self.session, self.pace = session, pace
        self.audio_started = time.monotonic() if audio_started is None else audio_started
        self.cancel_token = CancelToken()
        self.observations: list[FaceObservation] = []
        self._stop = False

    def stop(self) -> None:
        self._stop = True

    def run(self) -> None:  # worker thread
        try:
            result = self._record()
        except Cancelled:
            self.failed.emit("cancelled")
        except StudioError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001
            self.failed.emit(f"the capture failed unexpectedly: {exc}")
        else:
            self.recorded.emit(result)

    def _record(self) -> live_phrase.PhraseTake | list[FaceObservation]:
        video = self.session
        first = last = None
        started = time.monotonic()
        with FaceTracker(max_faces=2) as faces:
            while not self._stop and (frame := video.next_frame(self.cancel_token)) is not None:
                rgb = _fit(frame.rgb)
                when = time.monotonic() - self.audio_started if video.live else frame.time_s
                first = frame.time_s if first is None else first
                last = frame.time_s
                obs = faces.observe(rgb, frame.index, when)
                self.observations.append(obs)
                self.frame_ready.emit(rgb, face_guide(obs, rgb.shape[1], rgb.shape[0]), None)
                if time.monotonic() - started >= PHRASE_SECONDS or (not video.live and last - first >= PHRASE_SECONDS):
                    break
                if self.pace and not video.live:
                    delay = started + (frame.time_s - first) - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
        if video.live:
            return self.observations
        if first is None:
            raise StudioError("the video file has ended, so nothing is left to play for the phrase: press Back "
                              "and record again with a clip that says the phrase after the head turns, or choose "
                              "an audio file (the mouth check is then not made)")
        return live_phrase.file_take(video.path, self.observations, first, last + 1.0 / video.fps)


class LiveAnalysisThread(QThread):
    """Runs `enroll.analyse_frames` over a live capture and the phrase take (its sound and, when they were
    recorded together, the faces seen while it was spoken), off the GUI thread."""

    progressed = Signal(float, str)
    succeeded = Signal(object)  # enroll.EnrollmentResult
    failed = Signal(str)

    def __init__(self, capture: LiveCapture, *, kind: str, challenges: list[str], phrase: str | None,
                 take: live_phrase.PhraseTake | None, parent=None) -> None:
        super().__init__(parent)
        self.capture, self.kind, self.challenges, self.phrase, self.take = capture, kind, challenges, phrase, take
        self.cancel_token = CancelToken()

    def run(self) -> None:  # worker thread
        try:
            result = enroll.analyse_frames(
                self.capture.frames, self.capture.fps, kind=self.kind, challenges=self.challenges,
                phrase=self.phrase, audio=self.take.audio if self.take else None, audio_in_video=False,
                speech_observations=self.take.observations if self.take else None,
                mouth_unchecked=self.take.mouth_unchecked if self.take else "",
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
