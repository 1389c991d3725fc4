"""Face matching for still images: is the person in this picture one of the enrolled cameos?

No face-recognition network can be downloaded, so the descriptor is built from what ships: MediaPipe's
FaceLandmarker (bundled, see landmarks.py) finds the face and its 478 landmarks, and each face becomes

- a *texture* part: the face aligned on eyes and mouth to a 96x96 grey crop (so crop, scale and in-plane
  rotation drop out), contrast-equalised, described by uniform 8-neighbour LBP histograms over a 6x6 grid
  (the classic LBPH face descriptor, Hellinger-normalised so histograms compare by a dot product);
- a *shape* part: the 468 3D mesh landmarks after a Procrustes fit (shift, scale and 3D rotation removed),
  so face proportions count too and a turned head (MediaPipe estimates depth) still compares.

`similarity(a, b)` mixes both into 0..1. The threshold (MATCH_THRESHOLD) and the measured genuine /
impostor distributions are in docs/safety.md; this is a weak matcher next to a trained network, tuned to
refuse (a false refusal costs a re-enrollment, a false accept lets an unconsented face through).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import cv2
import numpy as np

from sora_studio.core.cameo.landmarks import model_path
from sora_studio.errors import StudioError

ALIGNED = 96
# canonical positions (in the 96x96 crop) of the left-eye centre, right-eye centre and mouth centre
_TEMPLATE = np.float32([[30.0, 38.0], [66.0, 38.0], [48.0, 72.0]])
_RIGHT_EYE = [33, 133, 159, 145, 160, 144, 158, 153]  # the person's right eye: image left
_LEFT_EYE = [263, 362, 386, 374, 387, 373, 385, 380]
_MOUTH = [61, 291, 13, 14]
GRID = 6
TEXTURE_WEIGHT = 0.6
SHAPE_SCALE = 0.02  # Procrustes residual (unit-norm 3D shapes) at which the shape score falls to 1/e
MATCH_THRESHOLD = 0.85  # see docs/safety.md for the distributions it was chosen from


def _uniform_lbp_table() -> np.ndarray:
    """Map the 256 LBP codes to 59 bins: 58 'uniform' patterns (<= 2 transitions) and one for the rest."""
    table = np.full(256, 58, dtype=np.int32)
    next_bin = 0
    for code in range(256):
        bits = [(code >> i) & 1 for i in range(8)]
        if sum(bits[i] != bits[(i + 1) % 8] for i in range(8)) <= 2:
            table[code] = next_bin
            next_bin += 1
    return table


_LBP_TABLE = _uniform_lbp_table()


@dataclass(frozen=True)
class FaceEmbedding:
    texture: np.ndarray  # unit vector (Hellinger LBP histograms)
    shape: np.ndarray  # [468, 3] centred, unit-norm landmark shape
    bbox: tuple[int, int, int, int]


def similarity(a: FaceEmbedding, b: FaceEmbedding) -> float:
    """0..1: how alike two faces are (1 = the same picture)."""
    texture = float(np.clip(a.texture @ b.texture, 0.0, 1.0))
    shape = float(np.exp(-_procrustes_residual(a.shape, b.shape) / SHAPE_SCALE))
    return TEXTURE_WEIGHT * texture + (1 - TEXTURE_WEIGHT) * shape


def _procrustes_residual(a: np.ndarray, b: np.ndarray) -> float:
    """RMS distance between two centred unit-norm shapes after the best rotation of b onto a."""
    u, _, vt = np.linalg.svd(b.T @ a)
    rotation = u @ vt
    return float(np.sqrt(np.mean(np.sum((b @ rotation - a) ** 2, axis=1))))


def lbp_descriptor(gray: np.ndarray) -> np.ndarray:
    """Uniform LBP histograms over a GRID x GRID grid, square-rooted and L2-normalised."""
    g = gray.astype(np.int16)
    centre = g[1:-1, 1:-1]
    offsets = [(-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1)]
    codes = np.zeros(centre.shape, dtype=np.int32)
    h, w = g.shape
    for bit, (dy, dx) in enumerate(offsets):
        neighbour = g[1 + dy : h - 1 + dy, 1 + dx : w - 1 + dx]
        codes |= (neighbour >= centre).astype(np.int32) << bit
    bins = _LBP_TABLE[codes]
    hists = []
    ch, cw = bins.shape[0] // GRID, bins.shape[1] // GRID
    for gy in range(GRID):
        for gx in range(GRID):
            cell = bins[gy * ch : (gy + 1) * ch, gx * cw : (gx + 1) * cw]
            hist = np.bincount(cell.ravel(), minlength=59).astype(np.float64)
            hists.append(np.sqrt(hist / max(hist.sum(), 1.0)))
    vector = np.concatenate(hists)
    return vector / max(np.linalg.norm(vector), 1e-12)


def align_face(rgb: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """The face warped (rotation, scale, shift only) so eyes and mouth sit on the template: grey 96x96."""
    points = np.float32([landmarks[_RIGHT_EYE, :2].mean(axis=0), landmarks[_LEFT_EYE, :2].mean(axis=0),
                         landmarks[_MOUTH, :2].mean(axis=0)])
    matrix, _ = cv2.estimateAffinePartial2D(points, _TEMPLATE)
    if matrix is None:
        raise StudioError("could not align the face")
    gray = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    aligned = cv2.warpAffine(gray, matrix, (ALIGNED, ALIGNED), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    return cv2.equalizeHist(aligned)


def shape_descriptor(landmarks: np.ndarray) -> np.ndarray:
    points = landmarks[:468, :3].astype(np.float64)
    points = points - points.mean(axis=0)
    return points / max(np.linalg.norm(points), 1e-12)


def embed_face(rgb: np.ndarray, landmarks: np.ndarray) -> FaceEmbedding:
    x0, y0 = landmarks[:, :2].min(axis=0)
    x1, y1 = landmarks[:, :2].max(axis=0)
    return FaceEmbedding(lbp_descriptor(align_face(rgb, landmarks)), shape_descriptor(landmarks),
                         (int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1))))


def flat_colour_share(rgb: np.ndarray, bbox: tuple[int, int, int, int]) -> float:
    """Share of the face box covered by its 8 most frequent exact colours.

    Photographs have sensor noise and shading, so few pixels share an exact colour (the astronaut: ~0.02);
    flat-colour drawings (cartoons, clip art, emoji) are mostly a handful of colours (> 0.5).
    """
    x0, y0, x1, y1 = bbox
    h, w = rgb.shape[:2]
    box = rgb[max(0, y0) : min(h, y1), max(0, x0) : min(w, x1)].reshape(-1, 3)
    if len(box) == 0:
        return 0.0
    packed = (box[:, 0].astype(np.int32) << 16) | (box[:, 1].astype(np.int32) << 8) | box[:, 2]
    counts = np.bincount(np.unique(packed, return_inverse=True)[1])
    return float(np.sort(counts)[-8:].sum() / len(packed))


class FaceFinder:
    """MediaPipe FaceLandmarker in still-image mode (up to `max_faces` faces); close() it after use."""

    def __init__(self, max_faces: int = 4, min_confidence: float = 0.5) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")
        try:
            import mediapipe as mp
            from mediapipe.tasks import python as mp_tasks
            from mediapipe.tasks.python import vision
        except ImportError as exc:  # pragma: no cover - dependency missing in a broken install
            raise StudioError("mediapipe is not installed; install it with `pip install mediapipe`") from exc
        self._mp = mp
        options = vision.FaceLandmarkerOptions(
            base_options=mp_tasks.BaseOptions(model_asset_path=str(model_path())),
            running_mode=vision.RunningMode.IMAGE, num_faces=max_faces,
            min_face_detection_confidence=min_confidence, min_face_presence_confidence=min_confidence)
        self._landmarker = vision.FaceLandmarker.create_from_options(options)

    def landmarks(self, rgb: np.ndarray) -> list[np.ndarray]:
        """[478, 3] pixel landmarks of every face found in an RGB uint8 image."""
        rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        result = self._landmarker.detect(self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb))
        h, w = rgb.shape[:2]
        return [np.array([[p.x * w, p.y * h, p.z * w] for p in face], dtype=np.float32)
                for face in result.face_landmarks]

    def embeddings(self, rgb: np.ndarray) -> list[FaceEmbedding]:
        return [embed_face(rgb, points) for points in self.landmarks(rgb)]

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> FaceFinder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pad_for_detection(rgb: np.ndarray, share: float = 0.35) -> np.ndarray:
    """A tight face crop framed with a replicated border, so the detector sees a whole head."""
    h, w = rgb.shape[:2]
    top, side = int(h * share), int(w * share)
    return cv2.copyMakeBorder(rgb, top, top, side, side, cv2.BORDER_REPLICATE)
