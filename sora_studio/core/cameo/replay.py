"""Replay tells: a frozen, looped or back-and-forth (ping-pong) video, found in the clip's self-similarity.

Why this works: every frame of a live recording is new. Even when a head comes back to the same pose, its
exact angle, expression and the camera's noise differ, so no stretch of frames ever matches an earlier
stretch closely. A replay repeats frames: re-encoding gives each copy fresh noise and compression error,
so exact comparison fails, but that error is fine-grained and a small face thumbnail averages it away,
while the differences between two live moments (a fraction of a degree of pose is a shift of every edge)
survive. So each frame becomes a descriptor (its face region, located by the landmarks, as a 24x24 grey
thumbnail normalised for brightness and contrast), all pairs of frames are compared (the self-similarity
matrix), and the clip is refused when:

- frozen: consecutive frames stand still for most of the clip or for a second, or moving frames come in
  near-identical pairs (every frame shown twice);
- looped: a run of near-identical pairs lies along a diagonal (frame i matches i+L for several i in a row);
- ping-pong: a run lies along an anti-diagonal (frame p-k matches p+k: played forward, then reversed).

"Near-identical" is a distance under `repeat_distance`, calibrated on genuine synthetic clips whose heads
return to neutral between turns (see docs/cameos.md). A run must last `repeat_min_s`, and either move or
match much more closely than its own consecutive frames differ, so a genuine pause (a head jittering
around one pose, which matches any other pause about as well as its own next frame) is not a repeat.
Limit: a replayed pause in a nearly noise-free, perfectly still source can look like a live pause.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from sora_studio.core.cameo.landmarks import FaceObservation

THUMB = 64  # frame_signature's thumbnail side; the face is cropped from it
FACE = 24  # side of the face descriptor


def frame_signature(frame: np.ndarray) -> np.ndarray:
    """The frame's height and width, then a 64x64 grey thumbnail (float32): what the replay check needs."""
    grey = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)
    thumb = cv2.resize(grey, (THUMB, THUMB), interpolation=cv2.INTER_AREA).astype(np.float32).ravel()
    return np.concatenate([np.array(grey.shape[:2], dtype=np.float32), thumb])


@dataclass(frozen=True)
class ReplaySettings:
    """Distances are between face descriptors (0 = same picture, 1.4 = unrelated). Calibrated on synthetic clips."""

    repeat_distance: float = 0.05  # two frames closer than this look like the same moment
    frozen_distance: float = 0.01  # consecutive frames closer than this are a still picture
    frozen_fraction: float = 0.5  # this share of still consecutive frames: a frozen feed
    frozen_run_s: float = 1.0  # ...or a still stretch this long (a live face is never that still)
    stutter_fraction: float = 0.2  # this share of moving frames repeating their predecessor: frames shown twice
    repeat_min_s: float = 0.5  # a loop / ping-pong must repeat at least this long
    repeat_strength_s: float = 0.15  # ...and be this many seconds' worth of exact copies (see longest_repeat)
    min_motion: float = 0.25  # ...and contain this much change (a blink, a turn, speech)
    max_match_ratio: float = 0.5  # ...or match far closer than its own frames follow each other


def _face_descriptors(signatures: np.ndarray, observations: list[FaceObservation] | None) -> np.ndarray:
    """[T, FACE*FACE] zero-mean, unit-norm grey face thumbnails (the whole frame when no face is known)."""
    if signatures.ndim != 2 or signatures.shape[1] != 2 + THUMB * THUMB:
        raise ValueError("replay signatures must come from replay.frame_signature (height, width, 64x64 thumbnail)")
    h, w = signatures[0, :2]
    thumbs = signatures[:, 2:].reshape(-1, THUMB, THUMB)
    x0, y0, x1, y1 = 0, 0, THUMB, THUMB
    boxes = [o.bbox() for o in observations or [] if o.has_face]
    if boxes:
        bx0, by0, bx1, by1 = np.median(np.array(boxes, dtype=np.float64), axis=0)
        sx, sy = THUMB / max(w, 1.0), THUMB / max(h, 1.0)
        x0, x1 = int(max(0, np.floor(bx0 * sx))), int(min(THUMB, np.ceil(bx1 * sx)))
        y0, y1 = int(max(0, np.floor(by0 * sy))), int(min(THUMB, np.ceil(by1 * sy)))
        if x1 - x0 < 8 or y1 - y0 < 8:
            x0, y0, x1, y1 = 0, 0, THUMB, THUMB
    faces = np.stack([cv2.resize(t[y0:y1, x0:x1], (FACE, FACE), interpolation=cv2.INTER_AREA).ravel() for t in thumbs])
    faces -= faces.mean(axis=1, keepdims=True)
    faces /= np.linalg.norm(faces, axis=1, keepdims=True) + 1e-6
    return faces


def self_distance(descriptors: np.ndarray) -> np.ndarray:
    """[T, T] Euclidean distances between all pairs of descriptors (the self-similarity matrix)."""
    d = descriptors.astype(np.float64)
    sq = (d * d).sum(axis=1)
    return np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * d @ d.T, 0.0))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of each run of True values."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2])]


@dataclass
class Repeat:
    frames: int = 0  # how many frames repeat
    original: int = -1  # first frame of the original stretch
    repeat: int = -1  # first frame of its repeat (for a ping-pong: where playback turns back)


def _pairs(n: int, key: int, start: int, length: int, reverse: bool) -> tuple[np.ndarray, np.ndarray]:
    """The frame pairs (original, repeat) of a run along a diagonal (loop) or anti-diagonal (ping-pong)."""
    idx = np.arange(start, start + length)
    if not reverse:
        return idx, idx + key
    rows, cols = idx + max(-key, 0), n - 1 - (idx + max(key, 0))  # element t of the flipped matrix's diagonal
    keep = cols > rows
    return rows[keep], cols[keep]


def longest_repeat(dist: np.ndarray, s: ReplaySettings, fps: float, reverse: bool) -> Repeat:
    """Longest run of near-identical pairs (i+k, j+k) (loop) or (i-k, j+k) (ping-pong) that is a real repeat.

    A run counts when it lasts `repeat_min_s`, is strong enough (each pair weighs 1 for an exact copy down
    to 0 at `repeat_distance`; a head that happens to retrace a short movement closely, like a turn and
    its return, stays under `repeat_strength_s`), and either moves (a genuine pause matches itself within
    jitter but does not move) or matches much more closely than consecutive frames of the stretch differ
    (a replayed pause: copies share their noise; live frames never do).
    """
    min_len = max(4, int(round(s.repeat_min_s * fps)))
    n = len(dist)
    best = Repeat()
    matrix = dist[:, ::-1] if reverse else dist  # anti-diagonals of dist are diagonals of the flipped matrix
    for key in (range(-(n - 1), n) if reverse else range(1, n)):
        line = np.diagonal(matrix, key)
        for start, length in _runs(line < s.repeat_distance):
            rows, cols = _pairs(n, key, start, length, reverse)
            if len(rows) < min_len or len(rows) <= best.frames:
                continue
            span = np.arange(rows.min(), rows.max() + 1)
            motion = float(dist[np.ix_(span, span)].max())
            steps = float(np.mean(dist[span[:-1], span[1:]]))
            matches = dist[rows, cols]
            ratio = float(matches.mean()) / max(steps, 1e-6)
            strength = float((1.0 - matches / s.repeat_distance).sum()) / fps
            if strength >= s.repeat_strength_s and (motion >= s.min_motion or ratio <= s.max_match_ratio):
                best = Repeat(len(rows), int(rows.min()), int(cols.min()))
    return best


def replay_check(signatures: np.ndarray, fps: float, observations: list[FaceObservation] | None = None,
                 settings: ReplaySettings | None = None) -> tuple[list[str], dict[str, float]]:
    """Reasons the clip looks frozen, looped or played back and forth (empty when it looks live), and figures."""
    s = settings or ReplaySettings()
    n = len(signatures)
    if n < 3:
        return ["the clip is too short"], {"frozen": 1.0}
    dist = self_distance(_face_descriptors(np.asarray(signatures, dtype=np.float32), observations))
    consecutive = np.diagonal(dist, 1)
    still = float((consecutive < s.frozen_distance).mean())
    still_run = max([length for _, length in _runs(consecutive < s.frozen_distance)], default=0)
    copy = 0.4 * s.repeat_distance  # a re-encoded copy of the previous frame
    prev, mid, nxt = consecutive[:-2], consecutive[1:-1], consecutive[2:]
    moving = np.minimum(prev, nxt) > 2 * copy  # the frames around it move
    stutter = float(((mid < copy) & moving).sum() / max(moving.sum(), 1))
    metrics = {"still_fraction": still, "still_run_s": still_run / fps, "stutter_fraction": stutter,
               "frozen": 1.0, "loop_frames": 0.0, "pingpong_frames": 0.0}
    if still >= s.frozen_fraction or still_run / fps >= s.frozen_run_s:
        return [(f"the video looks frozen (the picture stands still for {still_run / fps:.1f} s, {still:.0%} of frames "
                 "repeat the previous one): record a live, moving clip")], metrics
    if stutter >= s.stutter_fraction and moving.sum() >= 4:
        return [(f"the video looks frozen frame by frame ({stutter:.0%} of moving frames repeat the previous one, "
                 "as in a slowed-down replay): record a live clip at the camera's own frame rate")], metrics
    metrics["frozen"] = 0.0
    loop = longest_repeat(dist, s, fps, reverse=False)
    pingpong = longest_repeat(dist, s, fps, reverse=True)
    metrics["loop_frames"], metrics["pingpong_frames"] = float(loop.frames), float(pingpong.frames)
    reasons = []
    if loop.frames:
        reasons.append(f"part of the video repeats: {loop.frames / fps:.1f} s from {loop.original / fps:.1f} s is shown "
                       f"again at {loop.repeat / fps:.1f} s (a looped replay): record a live, unedited clip")
    if pingpong.frames:
        reasons.append(f"part of the video plays forward then backward: {pingpong.frames / fps:.1f} s from "
                       f"{pingpong.original / fps:.1f} s is replayed in reverse at {pingpong.repeat / fps:.1f} s "
                       "(a ping-pong replay): record a live, unedited clip")
    return reasons, metrics
