"""Every problem of a storyboard at once, each located at a shot and key, for the dock to show on the field.

The core stops at the first problem (`Storyboard.check`, `plan_storyboard` raise one ShotProblem); the dock
wants them all while you edit, so this runs the same core checks shot by shot: `Shot.check` (values no model
can use) and `plan_shot` (the model's limits, first+last frame support, styles, the prompt policy and cameo
consent in its dry "preview" stage), then `Storyboard.check` for what spans shots (first shot continuing,
total length). Nothing here re-states a rule.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from sora_studio.core.models.manifest import Manifest, load_manifests
from sora_studio.core.storyboard.model import Shot, Storyboard
from sora_studio.core.storyboard.plan import FIRST_LAST_CAPABILITY, image_model_for, plan_shot, storyboard_model
from sora_studio.errors import StudioError

# keys a problem can name that the dock has a field for; anything else is shown under the prompt
SHOT_FIELDS = ("prompt", "seconds", "camera", "size", "style", "negative_prompt", "dialogue", "sound", "transition",
               "seed", "variations", "image", "last_image", "title")


@dataclass
class Problems:
    shots: dict[str, tuple[str, str]] = field(default_factory=dict)  # shot id -> (key, message)
    settings: dict[str, str] = field(default_factory=dict)  # settings key (or "" for general) -> message

    def for_shot(self, shot_id: str) -> tuple[str, str] | None:
        return self.shots.get(shot_id)

    @property
    def empty(self) -> bool:
        return not self.shots and not self.settings


def _field(key: str | None) -> str:
    return key if key in SHOT_FIELDS else "prompt"


class PlanCache:
    """The last planning outcome per shot, keyed by everything plan_shot reads from the storyboard (the shot,
    the settings, whether it is the first shot), so typing in one card re-plans that card only: planning a
    shot with images runs the person-image face check (~50 ms an image). A file replaced on disk or a cameo
    enrolled meanwhile is seen at the next edit of that shot, and always when a run starts (it plans anew)."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[str, StudioError | None]] = {}

    def check(self, storyboard: Storyboard, shot: Shot, index: int, base: Manifest) -> None:
        key = json.dumps([shot.to_dict(), storyboard.settings.to_dict(), index == 0, base.id], sort_keys=True,
                         default=str)
        for path in (shot.image, shot.last_image):
            if path:
                try:
                    stat = Path(path).stat()
                    key += f"|{stat.st_mtime_ns}:{stat.st_size}"
                except OSError:
                    key += "|missing"
        cached = self._last.get(shot.id)
        if cached is None or cached[0] != key:
            try:
                plan_shot(storyboard, shot, index, base)
                outcome = None
            except StudioError as exc:
                outcome = exc
            cached = self._last[shot.id] = (key, outcome)
        if cached[1] is not None:
            raise cached[1]


def find_problems(storyboard: Storyboard, cache: PlanCache | None = None) -> Problems:
    found = Problems()
    cache = cache or PlanCache()
    try:
        storyboard.settings.check()
    except StudioError as exc:
        found.settings[getattr(exc, "key", None) or ""] = str(exc)
    base: Manifest | None = None
    try:
        base = storyboard_model(storyboard)
    except StudioError as exc:
        found.settings["model"] = str(exc)
    for index, shot in enumerate(storyboard.shots):
        try:
            shot.check(f"shot {index + 1}")
            if base is not None and not found.settings:
                cache.check(storyboard, shot, index, base)
        except StudioError as exc:
            shot_id = getattr(exc, "shot_id", shot.id)
            if shot_id == "settings":
                found.settings[getattr(exc, "key", None) or ""] = str(exc)
            else:
                found.shots[shot.id] = (_field(getattr(exc, "key", None)), str(exc))
    if storyboard.shots:
        try:
            storyboard.check()
        except StudioError as exc:
            shot_id = getattr(exc, "shot_id", None)
            if shot_id in {s.id for s in storyboard.shots}:
                found.shots.setdefault(shot_id, (_field(getattr(exc, "key", None)), str(exc)))
            elif str(exc) not in found.settings.values():
                found.settings.setdefault("", str(exc))
    return found


def flf2v_models() -> list[str]:
    return sorted(m.id for m in load_manifests().values() if FIRST_LAST_CAPABILITY in m.capabilities)


def last_image_blocked(storyboard: Storyboard, shot: Shot, index: int) -> str:
    """Why this shot cannot take a last-frame image now ('' when it can): plan.py's image-model rule must find
    a model with the `flf2v` capability for it, and a first frame (an image or a continue cut) must come first."""
    try:
        base = storyboard_model(storyboard)
    except StudioError as exc:
        return f"The storyboard's model is not usable: {exc}"
    try:
        model = image_model_for(base, storyboard.settings.continue_model, last_frame=True)
    except TypeError:  # an image-model rule without first+last frame selection: ask the chosen model
        try:
            model = image_model_for(base, storyboard.settings.continue_model)
        except StudioError as exc:
            return f"No model can start this shot from an image: {exc}"
    except StudioError:
        model = None
    if model is None or FIRST_LAST_CAPABILITY not in model.capabilities:
        others = flf2v_models()
        hint = (f"choose one that can ({', '.join(others)}) as the storyboard's model or image model"
                if others else "no model supports first+last frame yet")
        return (f"{base.id} cannot end a shot on a chosen last frame (no first+last frame (flf2v) model for it); "
                f"{hint}.")
    continues = shot.transition == "continue" and index > 0
    if not shot.image and not continues:
        return "Choose a first image first (or continue the previous shot): a last frame needs a first frame."
    return ""


def default_shot_seconds(storyboard: Storyboard) -> float:
    """3 s, or less when the storyboard's model cannot make 3 s in one shot (so a new card starts valid)."""
    try:
        model = storyboard_model(storyboard)
        fps = storyboard.settings.fps or model.rules.native_fps
        longest = model.rules.max_frames / fps if fps else 3.0
    except StudioError:
        return 3.0
    return max(0.5, min(3.0, math.floor(longest * 2) / 2))
