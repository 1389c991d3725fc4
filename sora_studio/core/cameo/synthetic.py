"""Synthetic enrollment clips: a still face warped through its own 3D landmark mesh.

Why: tests and the benchmark need genuine-looking head turns, blinks and mouth movement without a camera
or a volunteer. A face photo (scikit-image's astronaut, public domain, by default) is meshed from its
MediaPipe landmarks; each frame rotates the 3D mesh (yaw/pitch), closes the eyelids or opens the jaw,
and the image is warped triangle by triangle. Attack clips (a flat photo tilted as a plane, frozen,
looped) are made from the same material. scikit-image is needed only for the default photo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from sora_studio.core.cameo.landmarks import FaceTracker
from sora_studio.errors import StudioError

# eyelid pairs (upper, lower) for the blink warp, both eyes
_LID_PAIRS = [(159, 145), (158, 153), (160, 144), (161, 163), (157, 154), (386, 374), (385, 380),
              (387, 373), (388, 390), (384, 381)]
_EYES = [[33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7],
         [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249]]
_INNER_LIPS = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95]
_LIP_CORNERS = (61, 291)

# head pose (yaw, pitch) in degrees for each challenge word, in the person's frame (see landmarks.py)
CHALLENGE_POSES = {"left": (1.0, 0.0), "right": (-1.0, 0.0), "up": (0.0, 1.0), "down": (0.0, -1.0)}


def astronaut_face(size: int = 256) -> np.ndarray:
    """scikit-image's astronaut photo (public domain, NASA) cropped to her face, RGB uint8 size x size."""
    try:
        from skimage import data
    except ImportError as exc:
        raise StudioError("synthetic clips need scikit-image (`pip install scikit-image`)") from exc
    image = data.astronaut()[23:223, 125:325]
    return cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)


@dataclass
class FaceMesh:
    """A photo and its 3D landmark mesh, ready to be re-posed."""

    image: np.ndarray
    points: np.ndarray  # [N, 3] face landmarks then fixed anchors, pixels
    n_face: int
    triangles: np.ndarray  # [M, 3] indices into points

    @classmethod
    def from_image(cls, image: np.ndarray) -> FaceMesh:
        from scipy.spatial import Delaunay

        with FaceTracker(max_faces=1) as tracker:
            obs = tracker.observe(image, 0, 0.0)
        if not obs.has_face:
            raise StudioError("no face found in the image used for synthetic clips")
        face = obs.landmarks[:468].astype(np.float64)  # iris points excluded: they sit inside eye triangles
        h, w = image.shape[:2]
        border = [(x, y) for x in np.linspace(0, w - 1, 6) for y in (0, h - 1)]
        border += [(x, y) for y in np.linspace(0, h - 1, 6)[1:-1] for x in (0, w - 1)]
        centre = face[:, :2].mean(axis=0)
        radius = 0.62 * np.ptp(face[:, :2], axis=0).max()
        ring = [centre + 1.25 * radius * np.array([math.cos(a), math.sin(a)]) for a in np.linspace(0, 2 * math.pi, 16, endpoint=False)]
        ring = [p for p in ring if 0 < p[0] < w - 1 and 0 < p[1] < h - 1]
        anchors = np.array([(x, y, 0.0) for x, y in border] + [(p[0], p[1], 0.0) for p in ring])
        points = np.vstack([face, anchors])
        triangles = Delaunay(points[:, :2]).simplices
        return cls(image=image, points=points, n_face=len(face), triangles=triangles)

    def posed_points(self, yaw: float, pitch: float, blink: float = 0.0, jaw: float = 0.0) -> np.ndarray:
        """Destination 2D points for a head pose in degrees, eyelid closure 0..1 and jaw opening 0..1."""
        face = self.points[: self.n_face].copy()
        size = np.ptp(face[:, 0])
        if blink > 0:
            for upper, lower in _LID_PAIRS:
                face[upper, :2] += blink * (face[lower, :2] - face[upper, :2]) * 0.95
        if jaw > 0:
            mouth_y = face[list(_LIP_CORNERS), 1].mean()
            below = face[:, 1] > mouth_y
            drop = jaw * 0.12 * size
            weight = np.clip((face[below, 1] - mouth_y) / (0.1 * size), 0.3, 1.0)
            face[below, 1] += drop * weight
        centre = face.mean(axis=0)
        centre[2] += 0.35 * size  # pivot behind the face surface, like a neck
        a, b = math.radians(-yaw), math.radians(-pitch)
        ry = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
        rx = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
        rotated = (face - centre) @ (rx @ ry).T + centre
        out = self.points.copy()
        out[: self.n_face] = rotated
        return out

    def render(self, yaw: float = 0.0, pitch: float = 0.0, blink: float = 0.0, jaw: float = 0.0) -> np.ndarray:
        """The photo warped to the given pose (RGB uint8)."""
        dst = self.posed_points(yaw, pitch, blink, jaw)
        image = warp_mesh(self.image, self.points[:, :2], dst[:, :2], self.triangles, depth=dst[:, 2])
        if blink > 0.05:  # closed lids: skin over the eye opening, lashes along the lower lid
            open_eyes = self.posed_points(yaw, pitch, 0.0, jaw)
            for eye in _EYES:
                poly = open_eyes[eye, :2].astype(np.int32)
                x0, y0 = poly.min(axis=0)
                skin = image[max(y0 - 6, 0) : max(y0 - 2, 1), x0 : poly[:, 0].max()].reshape(-1, 3).mean(axis=0)
                overlay = image.copy()
                cv2.fillPoly(overlay, [poly], tuple(float(c) for c in skin))
                lower = open_eyes[eye[8:] + eye[:1], :2].astype(np.int32)
                cv2.polylines(overlay, [lower], False, (60, 40, 35), 1)
                image = cv2.addWeighted(overlay, min(blink, 1.0), image, 1 - min(blink, 1.0), 0)
        if jaw > 0.05:
            lips = dst[_INNER_LIPS, :2].astype(np.int32)
            cv2.fillPoly(image, [lips], (70, 25, 30))
        return image


def warp_mesh(image: np.ndarray, src: np.ndarray, dst: np.ndarray, triangles: np.ndarray,
              depth: np.ndarray | None = None) -> np.ndarray:
    """Piecewise-affine warp: each destination triangle samples its source triangle (nearest drawn last)."""
    h, w = image.shape[:2]
    order = np.arange(len(triangles))
    if depth is not None:
        order = np.argsort(-depth[triangles].mean(axis=1))  # far (large z) first, near last
    tri_ids = np.full((h, w), -1, dtype=np.int32)
    affines = np.zeros((len(triangles), 2, 3), dtype=np.float64)
    for t in order:
        tri = triangles[t]
        d = dst[tri].astype(np.float32)
        area = (d[1, 0] - d[0, 0]) * (d[2, 1] - d[0, 1]) - (d[2, 0] - d[0, 0]) * (d[1, 1] - d[0, 1])
        if abs(area) < 1e-3:
            continue
        affines[t] = cv2.getAffineTransform(d, src[tri].astype(np.float32))
        cv2.fillConvexPoly(tri_ids, np.round(d).astype(np.int32), int(t))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    ids = np.maximum(tri_ids, 0)
    a = affines[ids]
    map_x = a[..., 0, 0] * xs + a[..., 0, 1] * ys + a[..., 0, 2]
    map_y = a[..., 1, 0] * xs + a[..., 1, 1] * ys + a[..., 1, 2]
    none = tri_ids < 0
    map_x[none], map_y[none] = xs[none], ys[none]
    return cv2.remap(image, map_x.astype(np.float32), map_y.astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT)


def tilt_plane(image: np.ndarray, yaw: float, pitch: float, focal: float | None = None) -> np.ndarray:
    """The whole image as a flat print turned about its own centre in front of the camera (a homography)."""
    h, w = image.shape[:2]
    f = focal or 1.5 * w
    a, b = math.radians(-yaw), math.radians(-pitch)
    ry = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
    rx = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    plane = np.column_stack([corners - [w / 2, h / 2], np.zeros(4)])
    cam = plane @ (rx @ ry).T + [0, 0, f]
    projected = f * cam[:, :2] / cam[:, 2:3] + [w / 2, h / 2]
    homography = cv2.getPerspectiveTransform(corners.astype(np.float32), projected.astype(np.float32))
    return cv2.warpPerspective(image, homography, (w, h), borderMode=cv2.BORDER_REFLECT)


@dataclass
class ClipSpec:
    """How a synthetic enrollment clip moves: turn order and size, light, noise, blink, speech."""

    challenges: tuple[str, ...] = ("left", "up")
    amplitude: float = 25.0
    fps: int = 15
    noise: float = 2.0
    gain: float = 1.0
    blink: bool = True
    jitter: float = 0.6
    seed: int = 0


def _ramp(a: float, b: float, frames: int) -> list[float]:
    return [a + (b - a) * (0.5 - 0.5 * math.cos(math.pi * (k + 1) / frames)) for k in range(frames)]


def pose_schedule(spec: ClipSpec, speech_envelope: np.ndarray | None = None) -> list[tuple[float, float, float, float]]:
    """(yaw, pitch, blink, jaw) per frame: neutral start, each turn (ramp, hold, back), a blink, then speech."""
    fps = spec.fps
    sec = lambda s: max(1, int(round(s * fps)))  # noqa: E731
    poses: list[tuple[float, float, float, float]] = [(0, 0, 0, 0)] * sec(0.8)
    for word in spec.challenges:
        dy, dp = CHALLENGE_POSES[word]
        for t in _ramp(0, 1, sec(0.4)) + [1.0] * sec(0.5) + _ramp(1, 0, sec(0.4)):
            poses.append((dy * spec.amplitude * t, dp * spec.amplitude * 0.85 * t, 0, 0))
        poses += [(0, 0, 0, 0)] * sec(0.35)
    if spec.blink:
        poses += [(0, 0, 0.6, 0), (0, 0, 1.0, 0), (0, 0, 1.0, 0), (0, 0, 0.5, 0)] + [(0, 0, 0, 0)] * sec(0.2)
    if speech_envelope is not None:
        poses += [(0, 0, 0, float(v)) for v in speech_envelope]
    poses += [(0, 0, 0, 0)] * sec(0.3)
    return poses


def speech_envelope(audio: np.ndarray, sample_rate: int, fps: float) -> np.ndarray:
    """Mouth opening 0..1 per video frame following the loudness of mono audio."""
    hop = int(sample_rate / fps)
    frames = len(audio) // hop
    rms = np.array([np.sqrt(np.mean(audio[k * hop : (k + 1) * hop] ** 2)) for k in range(frames)])
    return np.clip(rms / (rms.max() + 1e-9) * 1.4, 0, 1)


def render_clip(mesh: FaceMesh, spec: ClipSpec, speech: np.ndarray | None = None, sample_rate: int = 16000,
                flat: bool = False) -> np.ndarray:
    """Frames [T,H,W,3] of a genuine clip (mesh warps) or, with flat=True, of a printed photo tilted instead."""
    rng = np.random.default_rng(spec.seed)
    envelope = speech_envelope(speech, sample_rate, spec.fps) if speech is not None else None
    frames = []
    for yaw, pitch, blink, jaw in pose_schedule(spec, envelope):
        yaw += rng.normal(0, spec.jitter)
        pitch += rng.normal(0, spec.jitter)
        if flat:
            frame = tilt_plane(mesh.image, yaw, pitch)
        else:
            frame = mesh.render(yaw, pitch, blink if spec.blink else 0.0, jaw)
        frame = frame.astype(np.float32) * spec.gain + rng.normal(0, spec.noise, frame.shape)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    return np.stack(frames)


def frozen_clip(frames: np.ndarray) -> np.ndarray:
    """A frozen feed: the first frame, repeated."""
    return np.repeat(frames[:1], len(frames), axis=0)


def looped_clip(frames: np.ndarray, fps: int) -> np.ndarray:
    """A replay: the clip's moving middle second played twice."""
    start = len(frames) // 3
    segment = frames[start : start + fps]
    return np.concatenate([frames[: start + fps], segment, frames[start + fps :]])


def espeak_speech(text: str, rate: int = 16000, speed: int = 140) -> np.ndarray:
    """Mono float32 speech of `text` from espeak-ng (Debian package `espeak-ng`), resampled to `rate`."""
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    import soundfile as sf
    from scipy.signal import resample_poly

    exe = shutil.which("espeak-ng")
    if exe is None:
        raise StudioError("test speech needs espeak-ng (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run([exe, "-v", "en-us", "-s", str(speed), "-w", str(wav), text], check=True, capture_output=True)
        audio, source_rate = sf.read(wav, dtype="float32")
    g = math.gcd(rate, source_rate)
    return resample_poly(audio, rate // g, source_rate // g).astype(np.float32) * 0.8


def clip_audio(frames: int, fps: int, speech: np.ndarray, rate: int = 16000) -> np.ndarray:
    """A soundtrack as long as the clip with the speech placed where render_clip opens the mouth."""
    spec_tail = max(1, int(round(0.3 * fps)))
    track = np.zeros(int(frames / fps * rate), dtype=np.float32)
    start = int((frames - spec_tail) / fps * rate) - len(speech)
    start = max(0, start)
    track[start : start + len(speech)] = speech[: len(track) - start]
    return track
