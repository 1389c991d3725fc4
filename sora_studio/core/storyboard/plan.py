"""Storyboard -> generation requests, one per shot (and per variation), checked before anything runs.

Continuity rule ('continue' cuts and first-frame images): the shot runs on an image-to-video model.
  1. [settings] continue_model, when given (it must be able to start from an image);
  2. else the storyboard's model itself when it can start from an image (e.g. wan2.2-ti2v-5b);
  3. else an image-to-video model of the same family line (wan -> wan-i2v), real if the storyboard's model
     is real and installed, tiny if it is tiny (wan-tiny -> wan-i2v-tiny);
  4. else BadInput saying which model to install or to use a hard cut.
A shot with a last frame (`last_image`; a loop is first == last) runs on a first+last frame model ("flf2v",
e.g. Wan FLF2V) by the same rule: continue_model or the storyboard's model when they can, else a flf2v model
of the same line (real and installed for a real model, tiny for a tiny one), else BadInput naming one to
install. Models that need a last frame (FLF2V) are never chosen for shots without one.
VACE models are not used for continuation: the engine's VACE backend has no first-frame conditioning yet.
No built-in model generates several shots in one call (Wan and LTX-2 make one continuous clip), so every
shot is its own generation; continuity comes from the conditioning frame, the shared style and cameos.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass

from sora_studio.core.generation.policy import check_request
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.models.install import default_model_id
from sora_studio.core.models.manifest import Manifest, get_manifest, load_manifests
from sora_studio.core.models.registry import ModelRegistry
from sora_studio.core.storyboard import hooks
from sora_studio.core.storyboard.model import Shot, Storyboard
from sora_studio.core.storyboard.problems import ShotProblem, ShotRefused
from sora_studio.core.storyboard.styles import apply_style
from sora_studio.errors import BadInput, Refused

FIRST_LAST_CAPABILITY = "flf2v"  # first+last frame models (Wan FLF2V)
LOOP_CAPABILITY = "flf2v"  # a loop is first frame == last frame
MAX_SEED = 2**31 - 1


@dataclass
class ShotPlan:
    """What will run for one shot: a request per variation (the first is the one placed on the timeline)."""

    shot: Shot
    index: int
    requests: list[GenerationRequest]
    continues: bool  # the image comes from the previous shot's last frame, filled in at run time
    model: Manifest


def storyboard_model(storyboard: Storyboard) -> Manifest:
    return get_manifest(storyboard.settings.model or default_model_id("t2v"))


def _can_run(model: Manifest, last_frame: bool) -> bool:
    if last_frame:
        return FIRST_LAST_CAPABILITY in model.capabilities
    return "i2v" in model.capabilities and not model.last_frame_required


def image_model_for(base: Manifest, override: str | None = None, why: str = "start from an image",
                    last_frame: bool = False) -> Manifest:
    """The model that runs a shot starting from an image, and ending on one when `last_frame` (module docstring)."""
    if override:
        chosen = get_manifest(override)
        if _can_run(chosen, last_frame):
            return chosen
        if not last_frame:
            alone = " alone (it needs a last frame too)" if chosen.last_frame_required else ""
            raise BadInput(f"continue_model {override} cannot start from an image{alone}; choose an image-to-video "
                           "model")
    if _can_run(base, last_frame):
        return base
    line = base.family.split("-")[0]
    registry = ModelRegistry()
    candidates = sorted(load_manifests().values(), key=lambda m: len(m.capabilities))  # the most specific first
    for candidate in candidates:
        if not _can_run(candidate, last_frame) or candidate.family.split("-")[0] != line:
            continue
        if candidate.tiny == base.tiny and (candidate.tiny or registry.get(candidate.id) is not None):
            return candidate
    if last_frame:
        real = [m for m in candidates if FIRST_LAST_CAPABILITY in m.capabilities and not m.tiny]
        same_line = [m.id for m in real if m.family.split("-")[0] == line]
        if same_line:
            fix = (f"install one (e.g. `sora-studio models pull {same_line[0]}`), "
                   "set continue_model in [settings] to one")
        else:
            fix = f"set continue_model in [settings] to one ({', '.join(m.id for m in real) or 'none known'})"
        raise BadInput(f"{base.id} cannot take both a first and a last frame and no first+last frame model of the "
                       f"{line} family is installed; {fix}, or remove the last frame")
    raise BadInput(
        f"{base.id} cannot {why} and no image-to-video model of the {line} family is installed; install one "
        f"(e.g. `sora-studio models pull wan2.1-i2v-14b-480p`), set continue_model in [settings], "
        "or use transition = 'cut'"
    )


def model_prompt(shot: Shot) -> str:
    """The shot's prompt with framing and camera move in words. @mentions stay: the generation check resolves
    them to cameos and shows the model a neutral description ("the person") instead of the name."""
    text = shot.prompt.strip()
    framing = f"{shot.size.replace('-', ' ')} shot"
    if shot.camera != "static":
        framing += f", {shot.camera.replace('-', ' ')} camera"
    return f"{framing}: {text}"


def plan_shot(storyboard: Storyboard, shot: Shot, index: int, base: Manifest | None = None) -> ShotPlan:
    """Requests for one shot; ShotProblem (naming the key) for anything that cannot run."""
    settings = storyboard.settings
    base = base or storyboard_model(storyboard)
    label = f"shot {index + 1}"
    continues = shot.transition == "continue" and index > 0
    model = base
    if continues or shot.image:
        try:
            model = image_model_for(base, settings.continue_model,
                                    "continue from the previous shot" if continues else "start from an image",
                                    last_frame=bool(shot.last_image))
        except BadInput as exc:
            key = "last_image" if shot.last_image else "transition" if continues else "image"
            raise ShotProblem(f"{label}: {exc}", shot.id, key) from None
    rules = model.rules
    fps = settings.fps or rules.native_fps
    if not rules.audio_only and shot.seconds * fps > rules.max_frames * 1.25:
        raise ShotProblem(f"{label}: {shot.seconds:g} s is longer than {model.id} can make in one shot "
                          f"(at most {rules.max_frames / fps:.2f} s at {fps} fps); split it into several shots",
                          shot.id, "seconds")
    for key in ("image", "last_image"):
        path = getattr(shot, key)
        if path:
            hooks.check_person_image(path)
    width, height = settings.size()
    base_request = GenerationRequest(
        model_id=model.id, prompt=model_prompt(shot),
        negative_prompt=", ".join(p for p in (settings.negative_prompt.strip(), shot.negative_prompt.strip()) if p),
        seconds=float(shot.seconds), width=width, height=height, fps=fps, steps=settings.steps,
        guidance=settings.guidance, image=shot.image, last_image=shot.last_image,
    )
    style = shot.style or settings.style
    try:
        base_request = apply_style(base_request, style, model.default_steps)
    except BadInput as exc:
        raise ShotProblem(f"{label}: {exc}", shot.id if shot.style else "settings",
                          "style") from None
    try:  # policy, limits and cameo consent, as the engine will check them again at submit and render
        check_request(base_request, stage="preview")
    except Refused as exc:
        raise ShotRefused(f"{label}: {exc}", shot.id, "prompt") from None
    except BadInput as exc:
        raise ShotProblem(f"{label}: {exc}", shot.id, "prompt") from None
    seed0 = shot.seed if shot.seed is not None else random.randint(0, MAX_SEED - 4)
    requests = [dataclasses.replace(base_request, seed=seed0 + v) for v in range(shot.variations)]
    return ShotPlan(shot, index, requests, continues, model)


def plan_storyboard(storyboard: Storyboard) -> list[ShotPlan]:
    """Check the whole storyboard and plan every shot before any generation starts (nothing is lost)."""
    storyboard.check()
    base = storyboard_model(storyboard)
    if "t2v" not in base.capabilities and "i2v" not in base.capabilities:
        raise ShotProblem(f"model {base.id} does not make video from text; choose a text-to-video model",
                          "settings", "model")
    plans = [plan_shot(storyboard, shot, i, base) for i, shot in enumerate(storyboard.shots)]
    for plan in plans:
        if not plan.continues and not plan.shot.image and "t2v" not in plan.model.capabilities:
            raise ShotProblem(f"shot {plan.index + 1}: {plan.model.id} needs a first-frame image; add `image` or "
                              "use transition = 'continue'", plan.shot.id, "image")
    return plans
