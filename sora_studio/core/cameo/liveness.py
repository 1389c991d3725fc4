"""Face liveness from per-frame observations: the head-turn challenge, a blink, and replay/photo tells.

This is a consent and deterrence step, not certified anti-spoofing. It checks that the clip shows one
face that turns in the requested order (against a neutral baseline, with holds, returns to neutral and a
time limit per turn), blinks, moves like a head rather than a flat print (a planar homography explains a
tilted photo's landmark motion almost exactly; a turning head's 3D shape leaves a residual), and is not
frozen, looped or played back and forth (replay.py, from the clip's self-similarity).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import cv2
import numpy as np

from sora_studio.core.cameo.landmarks import FaceObservation
from sora_studio.core.cameo.replay import ReplaySettings, frame_signature, replay_check

__all__ = ["DIRECTIONS", "LivenessReport", "LivenessSettings", "TurnEvent", "analyse_face", "frame_signature",
           "planar_residual", "replay_tells", "turn_events"]

DIRECTIONS = ("left", "right", "up", "down")


@dataclass(frozen=True)
class LivenessSettings:
    """Thresholds (degrees, seconds, fractions). Calibrated on synthetic clips; see docs/cameos.md."""

    baseline_s: float = 0.6
    turn_deg: float = 11.0
    neutral_deg: float = 6.0
    hold_s: float = 0.2
    timeout_s: float = 5.0
    planar_residual: float = 0.02
    blink_rise: float = 0.12
    require_blink: bool = True
    min_brightness: float = 40.0
    replay: ReplaySettings = field(default_factory=ReplaySettings)  # frozen / looped / ping-pong thresholds


@dataclass
class TurnEvent:
    direction: str
    start: int
    end: int
    peak: int
    peak_deg: float


@dataclass
class LivenessReport:
    passed: bool
    reasons: list[str]
    events: list[TurnEvent] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    baseline_index: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def replay_tells(signatures: np.ndarray, fps: float, settings: LivenessSettings,
                 observations: list[FaceObservation] | None = None) -> tuple[list[str], dict[str, float]]:
    """Frozen, looped and ping-pong replays (see replay.py); pass the observations to compare face regions."""
    return replay_check(signatures, fps, observations, settings.replay)


def _classify(rel_yaw: float, rel_pitch: float, s: LivenessSettings) -> str:
    if np.isnan(rel_yaw):
        return "none"
    if max(abs(rel_yaw), abs(rel_pitch)) < s.neutral_deg:
        return "neutral"
    if abs(rel_yaw) >= abs(rel_pitch):
        if abs(rel_yaw) >= s.turn_deg:
            return "left" if rel_yaw > 0 else "right"
    elif abs(rel_pitch) >= s.turn_deg:
        return "up" if rel_pitch > 0 else "down"
    return "between"


def turn_events(observations: list[FaceObservation], baseline: tuple[float, float], fps: float,
                s: LivenessSettings) -> tuple[list[TurnEvent], list[str]]:
    """Held turns in time order, and problems such as two turns without a return to neutral."""
    hold = max(2, int(round(s.hold_s * fps)))
    labels, magnitudes = [], []
    for o in observations:
        ry = o.yaw - baseline[0] if o.has_face else float("nan")
        rp = o.pitch - baseline[1] if o.has_face else float("nan")
        labels.append(_classify(ry, rp, s))
        magnitudes.append(0.0 if np.isnan(ry) else max(abs(ry), abs(rp)))
    events: list[TurnEvent] = []
    problems: list[str] = []
    since_neutral: list[str] = []
    i = 0
    while i < len(labels):
        label = labels[i]
        j = i
        while j < len(labels) and labels[j] == label:
            j += 1
        if label in DIRECTIONS and j - i >= hold:
            peak = i + int(np.argmax(magnitudes[i:j]))
            if events and events[-1].direction == label and not since_neutral:
                events[-1].end = j - 1  # the same turn, briefly dipping under the threshold
            else:
                if since_neutral:
                    problems.append(f"turn back to the camera between '{since_neutral[-1]}' and '{label}'")
                events.append(TurnEvent(label, i, j - 1, peak, round(magnitudes[peak], 1)))
            since_neutral.append(label)
        elif label == "neutral" and j - i >= hold:
            since_neutral = []
        i = j
    return events, problems


def planar_residual(base: FaceObservation, other: FaceObservation) -> float:
    """RMS error, in face sizes, of the best homography from the baseline landmarks to another frame's."""
    src = base.landmarks[:468, :2].astype(np.float64)
    dst = other.landmarks[:468, :2].astype(np.float64)
    homography, _ = cv2.findHomography(src, dst, 0)
    if homography is None:
        return float("inf")
    mapped = cv2.perspectiveTransform(src[None], homography)[0]
    return float(np.sqrt(((mapped - dst) ** 2).sum(axis=1).mean()) / max(base.face_size, 1.0))


def _displacement(base: FaceObservation, other: FaceObservation) -> float:
    """Mean landmark movement from the baseline, in face sizes."""
    moved = np.linalg.norm(other.landmarks[:468, :2] - base.landmarks[:468, :2], axis=1).mean()
    return float(moved / max(base.face_size, 1.0))


def _blink_score(o: FaceObservation) -> float:
    return min(o.blendshapes.get("eyeBlinkLeft", 0.0), o.blendshapes.get("eyeBlinkRight", 0.0))


def analyse_face(observations: list[FaceObservation], challenges: list[str], fps: float,
                 signatures: np.ndarray | None = None, settings: LivenessSettings | None = None) -> LivenessReport:
    """Check a clip's observations against the challenge sequence; every failed check adds a reason."""
    s = settings or LivenessSettings()
    n = len(observations)
    if n == 0:
        return LivenessReport(False, ["the video has no frames"])
    with_face = [o for o in observations if o.has_face]
    brightness = float(np.median([o.brightness for o in observations]))
    metrics: dict[str, float] = {"frames": float(n), "face_fraction": len(with_face) / n, "brightness": brightness}
    if brightness < s.min_brightness:
        return LivenessReport(False, ["the video is too dark to see a face: add light in front of you"], metrics=metrics)
    if len(with_face) < n / 2:
        return LivenessReport(False, ["no face found in most of the video: face the camera, fully in frame"], metrics=metrics)
    two = sum(o.faces >= 2 for o in observations) / n
    metrics["two_face_fraction"] = two
    if two > 0.2:
        return LivenessReport(False, ["more than one face in the video: only the person enrolling may be in frame"], metrics=metrics)

    reasons: list[str] = []
    if signatures is not None:
        tells, tell_metrics = replay_tells(signatures, fps, s, observations)
        metrics.update(tell_metrics)
        if tells and tell_metrics.get("frozen", 1.0):
            return LivenessReport(False, tells, metrics=metrics)  # nothing moves: the other checks mean nothing
        reasons.extend(tells)  # a loop or ping-pong: still say what else is wrong (a flat photo, the order)

    base_frames = [o for o in observations[: max(3, int(s.baseline_s * fps))] if o.has_face]
    if len(base_frames) < 2:
        return LivenessReport(False, ["start the video facing the camera, still, for a moment"], metrics=metrics)
    baseline = (float(np.median([o.yaw for o in base_frames])), float(np.median([o.pitch for o in base_frames])))
    spread = max(np.ptp([o.yaw for o in base_frames]), np.ptp([o.pitch for o in base_frames]))
    metrics.update(baseline_yaw=baseline[0], baseline_pitch=baseline[1], baseline_spread=float(spread))
    if spread > 2 * s.neutral_deg:
        reasons.append("hold still facing the camera at the start (the neutral baseline moved)")
    base_obs = min(base_frames, key=lambda o: abs(o.yaw - baseline[0]) + abs(o.pitch - baseline[1]))

    events, problems = turn_events(observations, baseline, fps, s)
    reasons.extend(problems)
    seen = [e.direction for e in events]
    if seen != list(challenges):
        if sorted(seen) == sorted(challenges):
            reasons.append(f"turns in the wrong order: asked {', '.join(challenges)}; saw {', '.join(seen)}")
        else:
            missing = [c for c in challenges if seen.count(c) < list(challenges).count(c)]
            extra = [d for d in seen if list(challenges).count(d) < seen.count(d)]
            if missing:
                reasons.append(f"did not see the turn(s): {', '.join(missing)} (turn further and hold for a moment)")
            if extra:
                reasons.append(f"unexpected turn(s): {', '.join(extra)}")
    previous_end = base_obs.index
    for e in events:
        if (e.start - previous_end) / fps > s.timeout_s:
            reasons.append(f"the '{e.direction}' turn came too late (over {s.timeout_s:.0f} s after the previous step)")
        previous_end = e.end

    moved = sorted(with_face, key=lambda o: _displacement(base_obs, o))[-5:]
    metrics["max_displacement"] = _displacement(base_obs, moved[-1])
    if metrics["max_displacement"] > 0.02:
        metrics["planar_residual"] = float(np.median([planar_residual(base_obs, o) for o in moved]))
        if metrics["planar_residual"] < s.planar_residual:
            reasons.append("the face moved like a flat picture, not a head: enroll in person, not from a photo or screen")
    blink = max(_blink_score(o) for o in with_face) - float(np.median([_blink_score(o) for o in with_face]))
    metrics["blink_rise"] = float(blink)
    if s.require_blink and blink < s.blink_rise:
        reasons.append("no blink seen: blink once during the recording")
    return LivenessReport(not reasons, reasons, events, metrics, base_obs.index)
