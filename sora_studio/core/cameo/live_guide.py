"""Live guidance while enrolling from a camera: is the face placed well, and which challenge step is next.

Why: a person in front of a webcam needs to know at once whether the camera sees them properly (one face,
centred, close enough, lit) and which head turn to make now. This module only *guides*; the verdict is
still `enroll.analyse_frames` over every recorded frame afterwards. Turn detection reuses
`liveness.turn_events` on the observations seen so far, so the live progress and the final check agree.
Qt-free: the GUI paints the oval and the hints it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sora_studio.core.cameo.landmarks import FaceObservation
from sora_studio.core.cameo.liveness import LivenessSettings, turn_events

# the guide oval, as fractions of the frame: centre (x, y) and half-axes (x of width, y of height)
OVAL = (0.5, 0.47, 0.24, 0.36)
MIN_FACE_WIDTH = 0.22  # face box width / frame width below this: "move closer"
MAX_FACE_WIDTH = 0.75  # above this: "move back"
MAX_OFFSET = 0.12  # face centre further than this (fraction of frame) from the oval centre: "centre your face"
MIN_BRIGHTNESS = 40.0  # mean 0..255, as liveness.LivenessSettings.min_brightness


@dataclass(frozen=True)
class Guide:
    """How the face sits in the frame: ok (green oval) or a hint (amber oval)."""

    ok: bool
    hint: str
    faces: int = 0


def face_guide(obs: FaceObservation, width: int, height: int) -> Guide:
    """Judge one frame's observation: lit, exactly one face, centred in the oval, large enough."""
    if obs.brightness < MIN_BRIGHTNESS:
        return Guide(False, "more light: light your face from the front", obs.faces)
    if obs.faces >= 2:
        return Guide(False, "only one face: ask others to step out of view", obs.faces)
    if not obs.has_face:
        return Guide(False, "no face seen: face the camera and centre your face in the oval", 0)
    x0, y0, x1, y1 = obs.bbox()
    face_w = (x1 - x0) / max(width, 1)
    cx, cy = (x0 + x1) / 2 / max(width, 1), (y0 + y1) / 2 / max(height, 1)
    if face_w < MIN_FACE_WIDTH:
        return Guide(False, "move closer to the camera", 1)
    if face_w > MAX_FACE_WIDTH:
        return Guide(False, "move back a little: your whole face must fit in the oval", 1)
    if abs(cx - OVAL[0]) > MAX_OFFSET or abs(cy - OVAL[1]) > MAX_OFFSET:
        return Guide(False, "centre your face in the oval", 1)
    return Guide(True, "good: one face, centred and well placed", 1)


@dataclass
class ChallengeStatus:
    """Where the person is in the sequence: the step list, how many are done, the instruction now."""

    steps: list[str]
    done: int
    instruction: str
    complete: bool = False
    warning: str = ""
    seen: list[str] = field(default_factory=list)

    @property
    def fraction(self) -> float:
        return self.done / max(1, len(self.steps))


def challenge_steps(challenges: list[str], blink: bool = True) -> list[str]:
    """The steps shown to the person: hold still, then each turn and a return to neutral, then a blink."""
    steps = ["hold still, facing the camera"]
    for word in challenges:
        steps += [f"turn your head {word}", "turn back to face the camera"]
    if blink:
        steps.append("blink once")
    return steps


class ChallengeTracker:
    """Follows the head-turn challenge frame by frame (fed FaceObservations in time order)."""

    def __init__(self, challenges: list[str], fps: float, settings: LivenessSettings | None = None) -> None:
        self.challenges = list(challenges)
        self.fps = float(fps)
        self.settings = settings or LivenessSettings()
        self.steps = challenge_steps(self.challenges, self.settings.require_blink)
        self.observations: list[FaceObservation] = []
        self.baseline: tuple[float, float] | None = None
        self._blinked = False

    def update(self, obs: FaceObservation) -> ChallengeStatus:
        """Add the next frame's observation; returns the steps done so far and what to do now."""
        self.observations.append(obs)
        if self.baseline is None and not self._settle_baseline():
            return ChallengeStatus(self.steps, 0, self.steps[0])
        events, problems = turn_events(self.observations, self.baseline, self.fps, self.settings)
        seen = [e.direction for e in events]
        matched = 0
        while matched < min(len(seen), len(self.challenges)) and seen[matched] == self.challenges[matched]:
            matched += 1
        warning = ""
        if len(seen) > matched:
            asked = self.challenges[matched] if matched < len(self.challenges) else None
            warning = (f"that was '{seen[matched]}', but the challenge asks '{asked}'" if asked
                       else f"an extra turn ('{seen[-1]}') was seen")
            warning += ": this recording will fail; press Stop and start again"
        elif problems:
            warning = problems[-1]
        done = 1
        for k in range(matched):
            done += 1  # the turn itself
            if k < matched - 1 or self._returned_after(events[k].end):
                done += 1
            else:
                break
        last_end = events[-1].end if events else 0
        if done == len(self.steps) - 1 and self.settings.require_blink and self._blink_seen(last_end):
            done += 1
        complete = done >= len(self.steps)
        instruction = "all steps seen: press Stop" if complete else self.steps[done]
        return ChallengeStatus(self.steps, done, instruction, complete, warning, seen)

    # -- internals -------------------------------------------------------------------------
    def _settle_baseline(self) -> bool:
        """The neutral pose: the median of the first steady stretch of frames with a face."""
        need = max(3, int(self.settings.baseline_s * self.fps))
        recent = self.observations[-need:]
        if len(recent) < need or not all(o.has_face for o in recent):
            return False
        yaws, pitches = [o.yaw for o in recent], [o.pitch for o in recent]
        if max(np.ptp(yaws), np.ptp(pitches)) > 2 * self.settings.neutral_deg:
            return False
        self.baseline = (float(np.median(yaws)), float(np.median(pitches)))
        return True

    def _returned_after(self, end: int) -> bool:
        """Back to facing the camera, held, after the turn that ended at frame `end`."""
        hold = max(2, int(round(self.settings.hold_s * self.fps)))
        return sum(self._is_neutral(o) for o in self.observations[end + 1 :]) >= hold

    def _is_neutral(self, obs: FaceObservation) -> bool:
        if not obs.has_face or self.baseline is None:
            return False
        return max(abs(obs.yaw - self.baseline[0]), abs(obs.pitch - self.baseline[1])) < self.settings.neutral_deg

    def _blink_seen(self, after_index: int) -> bool:
        """A blink after the turns: both eyes' blink scores rise above their running median (the same
        blendshapes the final check reads)."""
        scores = [min(o.blendshapes.get("eyeBlinkLeft", 0.0), o.blendshapes.get("eyeBlinkRight", 0.0))
                  for o in self.observations if o.has_face]
        if not scores:
            return False
        median = float(np.median(scores))
        recent = [min(o.blendshapes.get("eyeBlinkLeft", 0.0), o.blendshapes.get("eyeBlinkRight", 0.0))
                  for o in self.observations[after_index:] if o.has_face]
        if recent and max(recent) - median >= self.settings.blink_rise:
            self._blinked = True
        return self._blinked
