"""The Generate panel's logic without widgets: which models to offer, size presets, and validation.

Kept Qt-free so the rules the panel shows (rounded sizes, frame counts, inline errors) are the same ones the
engine applies (core.generation.rules) and can be tested without a window.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.generation.rules import MAX_PROMPT_CHARS, frames_for_seconds, snap_size
from sora_studio.core.models.manifest import FamilyRules, Manifest, load_manifests
from sora_studio.errors import StudioError

ASPECTS: dict[str, tuple[int, int]] = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1)}
CUSTOM = "Custom"
VARIATIONS = (1, 2, 4)
MAX_SEED = 2**31 - 1
TINY_LABEL = "tiny test model — produces noise"
TINY_BANNER = ("This is a tiny test model with random weights: it produces noise, not video. "
               "Install a real model (sora-studio models pull wan2.1-t2v-1.3b) for usable clips.")


@dataclass(frozen=True)
class ModelChoice:
    id: str
    label: str
    tiny: bool
    manifest: Manifest


def model_choices() -> tuple[list[ModelChoice], str | None]:
    """Text-to-video models to offer: installed real models first, then the built-in tiny ones.

    Returns (choices, problem): problem is a message when the model registry could not be read (the tiny
    models are still offered, since they are built on demand).
    """
    problem = None
    try:
        from sora_studio.core.models.registry import ModelRegistry

        registry: ModelRegistry | None = ModelRegistry()
    except StudioError as exc:
        registry, problem = None, str(exc)
    real, tiny = [], []
    for manifest in load_manifests().values():
        if "t2v" not in manifest.capabilities or manifest.rules.audio_only:
            continue
        if manifest.tiny:
            tiny.append(ModelChoice(manifest.id, f"{manifest.id} — {TINY_LABEL}", True, manifest))
        elif registry is not None and registry.get(manifest.id) is not None:
            real.append(ModelChoice(manifest.id, manifest.name, False, manifest))
    tiny.sort(key=lambda c: (c.id != "wan-tiny", c.id))  # the tiny Wan is the one that always works offline
    return real + tiny, problem


def preset_size(aspect: str, rules: FamilyRules) -> tuple[int, int]:
    """The size an aspect preset asks for, before snapping: the family's default when it already has roughly
    that shape (832x480 for 16:9 on Wan), else the default's long side cut to the aspect."""
    a, b = ASPECTS[aspect]
    long_side = max(rules.default_width, rules.default_height)
    short_side = min(rules.default_width, rules.default_height)
    if a == b:
        return short_side, short_side
    target = max(a, b) / min(a, b)
    if short_side and abs(long_side / short_side - target) / target < 0.1:
        long_, short = long_side, short_side
    else:
        long_, short = long_side, int(round(long_side * min(a, b) / max(a, b)))
    return (long_, short) if a > b else (short, long_)


@dataclass
class FormValues:
    """What the user typed/picked in the panel."""

    model_id: str
    prompt: str = ""
    negative_prompt: str = ""
    seconds: float = 2.0
    aspect: str = "16:9"
    width: int = 0  # used when aspect == CUSTOM
    height: int = 0
    fps: int = 16
    seed: int = 0
    steps: int = 30
    guidance: float = 5.0
    variations: int = 1


@dataclass
class Plan:
    """The request the form would queue, what the engine will actually make, and what is wrong."""

    request: GenerationRequest | None
    width: int = 0
    height: int = 0
    frames: int = 0
    notices: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message saying what to do

    @property
    def ok(self) -> bool:
        return not self.errors and self.request is not None


def plan(values: FormValues, manifest: Manifest) -> Plan:
    """Validate the form against the model's rules; rounding becomes a notice, impossible values an error."""
    rules = manifest.rules
    result = Plan(request=None)
    errors, notices = result.errors, result.notices
    prompt = values.prompt.strip()
    if not prompt:
        errors["prompt"] = "The prompt is empty: describe the shot you want (subject, action, setting, camera)."
    elif len(prompt) > MAX_PROMPT_CHARS:
        errors["prompt"] = f"The prompt is {len(prompt)} characters; shorten it to under {MAX_PROMPT_CHARS}."
    if values.aspect == CUSTOM:
        wanted = (values.width, values.height)
    else:
        wanted = preset_size(values.aspect, rules)
    try:
        result.width, result.height = snap_size(wanted[0], wanted[1], rules, notices)
    except StudioError as exc:
        errors["size"] = f"{_sentence(exc)} Pick a preset or a size between {rules.size_multiple} and 4096."
    if not 1 <= values.fps <= 120:
        errors["fps"] = (f"{values.fps} fps is out of range: use 1 to 120 "
                         f"(this model's native rate is {rules.native_fps}).")
    else:
        if values.fps != rules.native_fps:
            notices.append(f"{values.fps} fps differs from the model's native {rules.native_fps} fps; "
                           "motion speed will differ")
        try:
            result.frames = frames_for_seconds(values.seconds, values.fps, rules, notices)
        except StudioError as exc:
            errors["seconds"] = _sentence(exc)
    if not 1 <= values.steps <= 500:
        errors["steps"] = "Steps must be between 1 and 500."
    if not 0.0 <= values.guidance <= 50.0:
        errors["guidance"] = "Guidance must be between 0 and 50."
    if not 0 <= values.seed <= MAX_SEED:
        errors["seed"] = f"The seed must be between 0 and {MAX_SEED}."
    if values.variations not in VARIATIONS:
        errors["variations"] = "Choose 1, 2 or 4 variations."
    if errors:
        return result
    result.request = GenerationRequest(
        model_id=manifest.id, prompt=prompt, negative_prompt=values.negative_prompt.strip(),
        seconds=result.frames / values.fps, width=result.width, height=result.height, fps=values.fps,
        seed=values.seed, steps=values.steps, guidance=values.guidance,
    )
    try:  # the same permission/policy seam the worker applies (moderation, cameo consent)
        from sora_studio.core.generation.policy import check_request

        check_request(result.request)
    except StudioError as exc:
        errors["prompt"] = _sentence(exc)
        result.request = None
    return result


def _sentence(exc: Exception) -> str:
    text = str(exc).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
