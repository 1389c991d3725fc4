"""Face landmarks, head pose and blendshapes per frame, from MediaPipe's Tasks FaceLandmarker.

The model file (face_landmarker.task, Apache-2.0) ships in resources/cameo/ with its sha256; it is checked
before use so a swapped or truncated file fails clearly. Keep one `FaceTracker` per analysis and close() it:
a landmarker left to the garbage collector can deadlock at exit.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sora_studio.core.resources import resource_path
from sora_studio.errors import StudioError

MODEL_FILE = "face_landmarker.task"
MODEL_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"

# MediaPipe face-mesh indices used by the checks (eyes for size, lips/chin for the mouth)
LEFT_EYE_OUTER, RIGHT_EYE_OUTER = 263, 33
NOSE_TIP = 1


@dataclass
class FaceObservation:
    """What the landmarker saw in one frame. Angles in degrees, landmarks in pixels (x, y) plus depth."""

    index: int
    time_s: float
    faces: int
    brightness: float
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    landmarks: np.ndarray | None = None  # [478, 3] pixels (x, y, z scaled like x)
    blendshapes: dict[str, float] = field(default_factory=dict)

    @property
    def has_face(self) -> bool:
        return self.faces >= 1 and self.landmarks is not None

    @property
    def face_size(self) -> float:
        """Outer-eye-corner distance in pixels: the scale the geometric checks normalise by."""
        if self.landmarks is None:
            return 0.0
        return float(np.linalg.norm(self.landmarks[LEFT_EYE_OUTER, :2] - self.landmarks[RIGHT_EYE_OUTER, :2]))

    def bbox(self) -> tuple[int, int, int, int]:
        """Face bounding box (x0, y0, x1, y1) in pixels from the landmarks."""
        assert self.landmarks is not None
        x0, y0 = self.landmarks[:, :2].min(axis=0)
        x1, y1 = self.landmarks[:, :2].max(axis=0)
        return int(x0), int(y0), int(math.ceil(x1)), int(math.ceil(y1))


def model_path() -> Path:
    """The bundled face_landmarker.task, verified against its recorded sha256."""
    path = resource_path("cameo", MODEL_FILE)
    if not path.is_file():
        raise StudioError(f"the face landmark model is missing ({path}); reinstall Sora Studio")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MODEL_SHA256:
        raise StudioError(f"the face landmark model {path} is damaged (sha256 {digest[:12]}...); reinstall Sora Studio")
    return path


def pose_from_matrix(matrix: np.ndarray) -> tuple[float, float, float]:
    """Yaw, pitch, roll in degrees from MediaPipe's facial transformation matrix.

    Signs follow the person: yaw > 0 when they turn to their own left, pitch > 0 when they look up.
    """
    r = np.asarray(matrix, dtype=np.float64)[:3, :3]
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, -r[2, 0]))))
    pitch = math.degrees(math.atan2(r[2, 1], r[2, 2]))
    roll = math.degrees(math.atan2(r[1, 0], r[0, 0]))
    return yaw, -pitch, roll


class FaceTracker:
    """One FaceLandmarker in video mode; feed frames in time order."""

    def __init__(self, max_faces: int = 2) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ start-up chatter on stderr
        try:
            import mediapipe as mp
            from mediapipe.tasks import python as mp_tasks
            from mediapipe.tasks.python import vision
        except ImportError as exc:  # pragma: no cover - dependency missing in a broken install
            raise StudioError("mediapipe is not installed; install it with `pip install mediapipe`") from exc
        self._mp = mp
        options = vision.FaceLandmarkerOptions(
            base_options=mp_tasks.BaseOptions(model_asset_path=str(model_path())),
            running_mode=vision.RunningMode.VIDEO,
            num_faces=max_faces,
            min_face_detection_confidence=0.5,
            min_face_presence_confidence=0.5,
            min_tracking_confidence=0.5,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        self._landmarker = vision.FaceLandmarker.create_from_options(options)
        self._last_ms = -1

    def observe(self, frame: np.ndarray, index: int, time_s: float) -> FaceObservation:
        """Landmarks, pose and blendshapes of the first face in an RGB uint8 frame."""
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        brightness = float(frame.mean())
        timestamp_ms = max(int(round(time_s * 1000)), self._last_ms + 1)  # strictly increasing
        self._last_ms = timestamp_ms
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=frame)
        result = self._landmarker.detect_for_video(image, timestamp_ms)
        faces = len(result.face_landmarks)
        obs = FaceObservation(index=index, time_s=time_s, faces=faces, brightness=brightness)
        if faces == 0:
            return obs
        h, w = frame.shape[:2]
        pts = np.array([[p.x * w, p.y * h, p.z * w] for p in result.face_landmarks[0]], dtype=np.float32)
        obs.landmarks = pts
        if result.facial_transformation_matrixes:
            obs.yaw, obs.pitch, obs.roll = pose_from_matrix(result.facial_transformation_matrixes[0])
        if result.face_blendshapes:
            obs.blendshapes = {b.category_name: float(b.score) for b in result.face_blendshapes[0]}
        return obs

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> FaceTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
