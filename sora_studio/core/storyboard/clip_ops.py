"""Generation on timeline clips: remix (video-to-video) as a new take, extend forward, image-to-video clips.

Each function generates (through a ShotGenerator) and returns an Edit that the caller applies with
History.do (so undo removes the result); the generated media stays in the project's media/generated/.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.models.install import default_model_id
from sora_studio.core.models.manifest import Manifest, get_manifest
from sora_studio.core.project.bundle import Project
from sora_studio.core.storyboard import hooks
from sora_studio.core.storyboard.generator import ShotGenerator, write_png
from sora_studio.core.storyboard.plan import image_model_for
from sora_studio.core.storyboard.styles import apply_style
from sora_studio.core.storyboard.timeline_link import (generated_take, media_path, next_take_key, take_lineage,
                                                       target_video_track)
from sora_studio.core.timeline.edits import AddTake, InsertClip
from sora_studio.core.timeline.model import NAMESPACE, Clip
from sora_studio.errors import BadInput


def _frames_covering(manifest: Manifest, frames: int) -> int:
    """The smallest frame count the model can make that is >= frames (BadInput when over its limit)."""
    rules = manifest.rules
    m, off = rules.frame_multiple, rules.frame_offset
    k = max(0 if off else 1, math.ceil((frames - off) / m))
    count = k * m + off
    if count > rules.max_frames:
        raise BadInput(f"{frames} frames is longer than {manifest.id} can make at once (at most {rules.max_frames}); "
                       "trim or split the clip first")
    return count


def _recipe_of(clip: Clip) -> dict:
    take = clip.take
    ours = (take.metadata.get(NAMESPACE) if take else None) or {}
    return ours.get("recipe") or {}


def remix_clip(project: Project, clip_id: str, prompt: str, strength: float, generator: ShotGenerator,
               model_id: str | None = None, seed: int | None = None, style: str | None = None,
               steps: int | None = None) -> AddTake:
    """Video-to-video of a clip's active take with a new prompt; returns the AddTake (not yet applied).

    Works on generated and imported clips. The new take is made as long as the clip's source range end,
    from the start of the source media, so it can replace the take without trimming. The take's metadata
    keeps the chain: parent take key, parent media sha256 and the strength.
    """
    if not isinstance(strength, (int, float)) or not 0.0 < strength <= 1.0:
        raise BadInput(f"remix strength {strength!r} must be in 0..1 (0 keeps the source, 1 ignores it)")
    track, clip = _find(project, clip_id)
    if track.kind != "video":
        raise BadInput("only video clips can be remixed")
    lineage = take_lineage(project, clip)
    source = project.resolve(clip.take.url)  # type: ignore[union-attr]
    recipe = _recipe_of(clip)
    model = get_manifest(model_id or (recipe.get("model_id") if recipe.get("model_id") and "v2v" in
                                      get_manifest(recipe["model_id"]).capabilities else default_model_id("v2v")))
    if "v2v" not in model.capabilities:
        raise BadInput(f"{model.id} cannot remix a video; choose a model with video-to-video (e.g. wan2.1-t2v-1.3b)")
    fps = int(project.timeline.rate) if project.timeline.rate.denominator == 1 else model.rules.native_fps
    frames = _frames_covering(model, clip.source_in + clip.duration)
    width = int(recipe.get("width") or min(project.settings.width, model.rules.default_width))
    height = int(recipe.get("height") or min(project.settings.height, model.rules.default_height))
    request = GenerationRequest(model_id=model.id, prompt=prompt, seconds=frames / fps, width=width, height=height,
                                fps=fps, seed=seed, steps=steps, video=str(source), strength=float(strength))
    request = apply_style(request, style, model.default_steps)
    key = next_take_key(clip, "remix")
    generated = generator(request, media_path(project, clip.id, key))
    take = generated_take(project, generated.path, generated.recipe, shot_id=_shot_id(clip),
                          remix_of=lineage, strength=float(strength))
    if take.length is not None and take.length < clip.source_in + clip.duration:
        raise BadInput(f"the remix has {take.length} frames, fewer than the clip needs; trim the clip and retry")
    return AddTake(clip.id, key, take, activate=True)


def extend_clip(project: Project, clip_id: str, prompt: str, seconds: float, generator: ShotGenerator,
                model_id: str | None = None, seed: int | None = None, style: str | None = None) -> InsertClip:
    """A new clip right after `clip_id`, continuing from its last shown frame (image-to-video).

    Later clips on the track move right (an insert). Returns the InsertClip (not yet applied).
    """
    track, clip = _find(project, clip_id)
    if track.kind != "video":
        raise BadInput("only video clips can be extended")
    if not isinstance(seconds, (int, float)) or seconds <= 0:
        raise BadInput(f"extension length {seconds!r} s must be positive")
    lineage = take_lineage(project, clip)
    frame = _frame_at(project.resolve(clip.take.url), clip.source_in + clip.duration - 1)  # type: ignore[union-attr]
    image = write_png(frame, project.cache_dir / "storyboard" / f"{clip.id}-extend-first-frame.png")
    hooks.register_studio_frame(image, "extend")  # the studio's own frame: no person-image check
    base = get_manifest(model_id or _recipe_of(clip).get("model_id") or default_model_id("t2v"))
    model = image_model_for(base, None, "continue a clip from its last frame")
    fps = int(project.timeline.rate)
    request = GenerationRequest(model_id=model.id, prompt=prompt, seconds=float(seconds), width=frame.shape[1],
                                height=frame.shape[0], fps=fps, seed=seed, image=str(image))
    request = apply_style(request, style, model.default_steps)
    key = "take1"
    generated = generator(request, media_path(project, clip.id + "-ext", key))
    take = generated_take(project, generated.path, generated.recipe, continues_from=lineage)
    new = Clip(name=f"{clip.name} (extended)", start=clip.end, duration=int(take.length or 1), takes={key: take},
               active_take=key, metadata={NAMESPACE: {"kind": "video", "extends": clip.id}})
    return InsertClip(track.id, new, at=clip.end)


def image_to_video_clip(project: Project, image: str | Path, prompt: str, seconds: float, generator: ShotGenerator,
                        model_id: str | None = None, last_image: str | Path | None = None, loop: bool = False,
                        seed: int | None = None, style: str | None = None) -> InsertClip:
    """A clip generated from a first-frame image, optionally ending on `last_image`, or a seamless `loop`
    (the first image is also the last frame). Last frames and loops run on a first+last frame model (Wan FLF2V)."""
    image = Path(image)
    if not image.is_file():
        raise BadInput(f"image file {image} does not exist")
    if last_image is not None and not Path(last_image).is_file():
        raise BadInput(f"last-frame image file {last_image} does not exist")
    if loop and last_image is not None:
        raise BadInput("a loop ends on its first image: give either a last frame or loop, not both")
    if loop:
        last_image = image
    base = get_manifest(model_id or default_model_id("i2v"))
    why = "make a seamless loop" if loop else "start from an image"
    try:
        model = image_model_for(base, None, why, last_frame=last_image is not None)
    except BadInput as exc:
        if loop:
            raise BadInput(f"cannot make a seamless loop (that needs a first+last frame model): {exc}") from None
        raise
    for path in (image, last_image):
        if path is not None:
            hooks.check_person_image(str(path))
    fps = int(project.timeline.rate)
    request = GenerationRequest(model_id=model.id, prompt=prompt, seconds=float(seconds), fps=fps, seed=seed,
                                image=str(image.resolve()),
                                last_image=str(Path(last_image).resolve()) if last_image is not None else None)
    request = apply_style(request, style, model.default_steps)
    key = "take1"
    generated = generator(request, media_path(project, image.stem, key))
    extra = {"last_image": str(last_image)} if last_image is not None and not loop else {}
    take = generated_take(project, generated.path, generated.recipe, source_image=str(image), loop=loop or None,
                          **extra)
    track = target_video_track(project.timeline)
    clip = Clip(name=image.stem, start=track.end, duration=int(take.length or 1), takes={key: take},
                active_take=key, metadata={NAMESPACE: {"kind": "video"}})
    return InsertClip(track.id, clip, at=track.end)


def _find(project: Project, clip_id: str):
    try:
        return project.timeline.find_clip(clip_id)
    except KeyError:
        raise BadInput(f"no clip with id {clip_id!r} on the timeline") from None


def _shot_id(clip: Clip) -> str | None:
    ours = clip.metadata.get(NAMESPACE)
    return ours.get("shot_id") if isinstance(ours, dict) else None


def _frame_at(path: Path, index: int) -> np.ndarray:
    """Frame number `index` of a video (the last one when it is shorter), uint8 RGB."""
    import av

    frame = None
    try:
        with av.open(str(path)) as container:
            for i, decoded in enumerate(container.decode(video=0)):
                frame = decoded
                if i >= index:
                    break
    except av.error.FFmpegError as exc:
        raise BadInput(f"cannot decode {path}: {exc}") from exc
    if frame is None:
        raise BadInput(f"{path} has no video frames")
    return frame.to_ndarray(format="rgb24")
