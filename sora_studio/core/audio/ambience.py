"""Ambience and sound effects for shots whose video model makes no sound: text-to-audio (Stable Audio
Open) from the shot's sound notes, exactly as long as the shot, on the "ambience" track.

The bed is linked to the shot's clip (same link group) so it moves, trims and splits with the picture.
A shot longer than the model's limit (47 s for Stable Audio Open) gets the bed looped with crossfades.
The take records the generation recipe, so exports mark it as generated content.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from sora_studio.core.audio.conform import conform_audio, fit_length
from sora_studio.core.audio.placement import place_audio_clip
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.media.synth import write_audio_file
from sora_studio.core.timeline.edits import Edit
from sora_studio.core.timeline.model import NAMESPACE, Clip, new_id
from sora_studio.errors import BadInput

MASTER_RATE = 48000
Generate = Callable[[GenerationRequest], Any]  # -> GenerationOutput (runner.generate or the engine client)


@dataclass
class AmbienceResult:
    edit: Edit
    clip: Clip
    path: Path
    warnings: list[str] = field(default_factory=list)


def default_ambience_model() -> str:
    """An installed real Stable Audio model, else the tiny one (which makes noise)."""
    from sora_studio.core.models.manifest import load_manifests
    from sora_studio.core.models.registry import ModelRegistry

    registry = ModelRegistry()
    for manifest in load_manifests().values():
        if manifest.family == "stable-audio" and not manifest.tiny and registry.get(manifest.id):
            return manifest.id
    return "stable-audio-tiny"


def ambience_request(sound: str, seconds: float, max_seconds: float, model_id: str,
                     seed: int | None = None) -> GenerationRequest:
    text = " ".join(str(sound or "").split())
    if not text:
        raise BadInput("the shot has no sound notes; describe the ambience or effects to generate")
    if seconds <= 0:
        raise BadInput("the shot has no length to fill with sound")
    return GenerationRequest(model_id=model_id, prompt=text, seconds=min(seconds, max_seconds), seed=seed)


def _generated_sound(request: GenerationRequest, generate: Generate | None, shot_generator: Any,
                     scratch: Path) -> tuple[Any, int, dict[str, Any]]:
    """(audio, rate, recipe) from an in-process `generate` or from a storyboard ShotGenerator (the engine
    worker), which writes an MP4 that is read back."""
    if shot_generator is not None:
        from sora_studio.core.media.decode import read_audio
        from sora_studio.core.media.probe import probe

        media = shot_generator(request, scratch)
        info = probe(media.path)
        if not info.has_audio:
            return None, 0, dict(media.recipe)
        return read_audio(media.path, 0.0, float(info.duration_s)), MASTER_RATE, dict(media.recipe)
    if generate is None:
        from sora_studio.core.generation.runner import generate as run

        generate = run
    output = generate(request)
    recipe = output.recipe.to_dict() if hasattr(output.recipe, "to_dict") else dict(output.recipe)
    return output.audio, output.sample_rate, recipe


def make_ambience(project: Any, shot_clip: Clip, sound: str, generate: Generate | None = None,
                  model_id: str | None = None, seed: int | None = None, shot_id: str | None = None,
                  gain_db: float = -6.0, shot_generator: Any = None) -> AmbienceResult:
    """Generate a bed for `shot_clip` from `sound` and return the edit that places it (not yet applied).

    `generate`: GenerationRequest -> GenerationOutput (default: runner.generate in this process);
    `shot_generator`: a storyboard ShotGenerator (request, path) -> GeneratedMedia, e.g. the engine's."""
    from sora_studio.core.models.manifest import get_manifest

    timeline = project.timeline
    model_id = model_id or default_ambience_model()
    manifest = get_manifest(model_id)
    if manifest.family != "stable-audio":
        raise BadInput(f"{model_id} is not a text-to-audio model; choose a Stable Audio model for ambience")
    seconds = float(Fraction(shot_clip.duration) / timeline.rate)
    request = ambience_request(sound, seconds, manifest.rules.max_seconds or seconds, model_id, seed)
    folder = Path(project.media_dir) / "generated" / "ambience"
    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder / f".{shot_id or shot_clip.id}-{new_id('gen')}.mp4"
    try:
        audio, rate, recipe = _generated_sound(request, generate, shot_generator, scratch)
    finally:
        for leftover in (scratch, scratch.with_suffix(".mp4.recipe.json")):
            leftover.unlink(missing_ok=True)
    label = f"the ambience for {shot_clip.name!r}"
    conformed = conform_audio(audio, rate, None, MASTER_RATE, 2, label)
    warnings = list(conformed.warnings)
    # half a frame extra so the media's length in frames never rounds below the shot's
    samples = math.ceil((shot_clip.duration + Fraction(1, 2)) / timeline.rate * MASTER_RATE)
    if conformed.audio.shape[1] < samples:
        warnings.append(f"{label}: the model made {conformed.audio.shape[1] / MASTER_RATE:.1f} s, looped to fill "
                        f"the {seconds:.1f} s shot")
    bed = fit_length(conformed.audio, samples, MASTER_RATE)
    path = folder / f"{shot_id or shot_clip.id}-ambience.wav"
    n = 1
    while path.exists():
        path, n = folder / f"{shot_id or shot_clip.id}-ambience-{n}.wav", n + 1
    write_audio_file(path, bed, MASTER_RATE, codec="pcm_s16le")
    item = project.import_media(path)
    edit, clip = place_audio_clip(timeline, item, "ambience", shot_clip.start, shot_clip.duration,
                                  link_to=shot_clip.id, metadata={"shot_id": shot_id, "sound": sound})
    clip.gain_db = gain_db
    assert clip.take is not None
    clip.take.metadata[NAMESPACE].update({"generated": True, "recipe": recipe})
    if clip.duration < shot_clip.duration:
        warnings.append(f"{label} is {shot_clip.duration - clip.duration} frame(s) short of the shot")
    return AmbienceResult(edit, clip, path, warnings)
