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
    """How a synthetic enrollment clip moves: turn order, size and timing, light, noise, blink, speech."""

    challenges: tuple[str, ...] = ("left", "up")
    amplitude: float = 25.0
    fps: int = 15
    noise: float = 2.0
    gain: float = 1.0
    blink: bool = True
    jitter: float = 0.6
    seed: int = 0
    start_s: float = 0.8  # neutral start (the liveness baseline)
    ramp_s: float = 0.4  # turning out
    hold_s: float = 0.5  # holding the turn
    back_s: float | None = None  # turning back (None: as long as ramp_s)
    between_s: float = 0.35  # neutral between turns
    light_drift: float = 0.0  # brightness changes by up to this fraction over the clip (a cloud, auto-exposure)
    sway: float = 0.0  # slow head sway, degrees (people never hold perfectly still)


def _ramp(a: float, b: float, frames: int) -> list[float]:
    return [a + (b - a) * (0.5 - 0.5 * math.cos(math.pi * (k + 1) / frames)) for k in range(frames)]


def labelled_schedule(spec: ClipSpec, speech_envelope: np.ndarray | None = None) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(phase, (yaw, pitch, blink, jaw)) per frame; phases: start, out:DIR, hold:DIR, back:DIR, neutral, blink, speech, end.

    The phases let attack builders pick realistic segments (a turn, the blink, the speech) to loop or reverse.
    """
    fps = spec.fps
    sec = lambda s: max(1, int(round(s * fps)))  # noqa: E731
    out: list[tuple[str, tuple[float, float, float, float]]] = [("start", (0, 0, 0, 0))] * sec(spec.start_s)
    for word in spec.challenges:
        dy, dp = CHALLENGE_POSES[word]
        yaw, pitch = dy * spec.amplitude, dp * spec.amplitude * 0.85
        out += [(f"out:{word}", (yaw * t, pitch * t, 0, 0)) for t in _ramp(0, 1, sec(spec.ramp_s))]
        out += [(f"hold:{word}", (yaw, pitch, 0, 0))] * sec(spec.hold_s)
        out += [(f"back:{word}", (yaw * t, pitch * t, 0, 0)) for t in _ramp(1, 0, sec(spec.back_s or spec.ramp_s))]
        out += [("neutral", (0, 0, 0, 0))] * sec(spec.between_s)
    if spec.blink:
        out += [("blink", p) for p in [(0, 0, 0.6, 0), (0, 0, 1.0, 0), (0, 0, 1.0, 0), (0, 0, 0.5, 0)]]
        out += [("blink", (0, 0, 0, 0))] * sec(0.2)
    if speech_envelope is not None:
        out += [("speech", (0, 0, 0, float(v))) for v in speech_envelope]
    out += [("end", (0, 0, 0, 0))] * sec(0.3)
    return out


def pose_schedule(spec: ClipSpec, speech_envelope: np.ndarray | None = None) -> list[tuple[float, float, float, float]]:
    """(yaw, pitch, blink, jaw) per frame: neutral start, each turn (ramp, hold, back), a blink, then speech."""
    return [pose for _, pose in labelled_schedule(spec, speech_envelope)]


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
    schedule = pose_schedule(spec, envelope)
    phase = rng.uniform(0, 2 * math.pi, 3) if spec.sway or spec.light_drift else np.zeros(3)  # default clips unchanged
    frames = []
    for k, (yaw, pitch, blink, jaw) in enumerate(schedule):
        yaw += rng.normal(0, spec.jitter) + spec.sway * math.sin(2 * math.pi * 0.31 * k / spec.fps + phase[0])
        pitch += rng.normal(0, spec.jitter) + spec.sway * 0.6 * math.sin(2 * math.pi * 0.23 * k / spec.fps + phase[1])
        if flat:
            frame = tilt_plane(mesh.image, yaw, pitch)
        else:
            frame = mesh.render(yaw, pitch, blink if spec.blink else 0.0, jaw)
        gain = spec.gain * (1 + spec.light_drift * math.sin(math.pi * k / max(len(schedule) - 1, 1) + phase[2]))
        frame = frame.astype(np.float32) * gain + rng.normal(0, spec.noise, frame.shape)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    return np.stack(frames)


def frozen_clip(frames: np.ndarray, at: int = 0) -> np.ndarray:
    """A frozen feed: frame `at` repeated for the clip's length (re-encode it to give each copy fresh noise)."""
    return np.repeat(frames[at : at + 1], len(frames), axis=0)


def doubled_clip(frames: np.ndarray) -> np.ndarray:
    """A stuttering replay: every frame shown twice (a recording played at half speed, or a dropped-frame feed)."""
    return np.repeat(frames, 2, axis=0)


def looped_clip(frames: np.ndarray, fps: int, start: int | None = None, length: int | None = None) -> np.ndarray:
    """A replay: frames[start:start+length] played twice in a row (default: the clip's middle second)."""
    start = len(frames) // 3 if start is None else start
    end = start + (fps if length is None else length)
    return np.concatenate([frames[:end], frames[start:end], frames[end:]])


def pingpong_clip(frames: np.ndarray, start: int, end: int, resume: int | None = None) -> np.ndarray:
    """A replay played forward then backward: frames[start:end], then the same reversed, then frames[resume:].

    With start..end a turn's way out and hold, and resume where the real clip is back to neutral, this fakes
    the return to the camera from footage that never had one.
    """
    return np.concatenate([frames[:end], frames[start:end][::-1], frames[end if resume is None else resume :]])


def phase_span(phases: list[str], prefix: str) -> tuple[int, int]:
    """First and one-past-last frame whose phase (from labelled_schedule) starts with prefix."""
    hits = [k for k, p in enumerate(phases) if p.startswith(prefix)]
    if not hits:
        raise ValueError(f"no '{prefix}' phase in the clip")
    return hits[0], hits[-1] + 1


def reencode(frames: np.ndarray, fps: int, crf: int = 23, noise: float = 0.0, gain: float = 1.0,
             seed: int = 0) -> np.ndarray:
    """Frames after a trip through H.264 (PyAV, libx264 at `crf`), with optional fresh noise and gain first.

    Why: a replayed recording is never pixel-identical to its source; each copy of a repeated frame picks
    up its own noise and compression error, which is what the replay check has to see through.
    """
    import tempfile
    from pathlib import Path

    import av

    from sora_studio.core.media.encode import write_clip

    rng = np.random.default_rng(seed)
    if noise > 0 or gain != 1.0:
        frames = np.clip(frames.astype(np.float32) * gain + rng.normal(0, noise, frames.shape), 0, 255).astype(np.uint8)
    with tempfile.TemporaryDirectory(prefix="sora-reencode-") as tmp:
        path = write_clip(Path(tmp) / "clip.mp4", frames, fps, crf=crf)
        with av.open(str(path)) as container:
            decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return np.stack(decoded)


REPLAY_VARIANTS = {"looped": ("blink", "speech", "turn"), "pingpong": ("turn", "speech", "blink"),
                   "frozen": ("still", "stall", "doubled")}


def replay_attack(frames: np.ndarray, phases: list[str], fps: int, kind: str, variant: str) -> np.ndarray:
    """A replay made from a recorded genuine clip: a stretch looped, played back and forth, or frozen.

    The stretches avoid repeating a held turn, so the challenge order alone would not give the attack away.
    """
    second = fps
    if kind == "looped":
        if variant == "blink":
            start = max(phase_span(phases, "blink")[0] - 2, 0)
            return looped_clip(frames, fps, start, second)
        if variant == "speech":
            first, last = phase_span(phases, "speech")
            start = first + (last - first) // 4
            return looped_clip(frames, fps, start, min(int(1.3 * second), last - start))
        turn = phases[[p.startswith("hold:") for p in phases].index(True)].split(":")[1]
        first, last = phase_span(phases, f"out:{turn}")[0], phase_span(phases, f"back:{turn}")[1]
        return looped_clip(frames, fps, first, last - first)  # the turn twice: the order check sees it too
    if kind == "pingpong":
        if variant == "turn":
            turn = phases[[p.startswith("hold:") for p in phases].index(True)].split(":")[1]
            start, end = phase_span(phases, f"out:{turn}")[0], phase_span(phases, f"hold:{turn}")[1]
            return pingpong_clip(frames, start, end, phase_span(phases, f"back:{turn}")[1])
        first, last = phase_span(phases, variant)
        if variant == "blink":  # from half a second before the blink to its end, then back
            return pingpong_clip(frames, max(first - second // 2, 0), last)
        return pingpong_clip(frames, first, min(first + second, last))
    if kind == "frozen":
        if variant == "still":
            return frozen_clip(frames)
        if variant == "stall":
            at = phase_span(phases, "back:")[1]
            return np.concatenate([frames[:at], frozen_clip(frames[at:])])
        return doubled_clip(frames)
    raise ValueError(f"unknown replay attack {kind}/{variant}")


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
