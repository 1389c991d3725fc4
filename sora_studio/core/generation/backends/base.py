"""The backend protocol: one class per model family maps a GenerationRequest to its diffusers pipeline call."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import torch

from sora_studio.core.generation.preview import LatentProjection
from sora_studio.core.generation.request import GenerationRequest, Recipe, file_sha256, software_versions
from sora_studio.core.generation.rules import check_prompt, check_range, frames_for_seconds, snap_size
from sora_studio.core.models.manifest import Manifest
from sora_studio.core.models.registry import InstalledModel
from sora_studio.errors import BadInput

MAX_SEED = 2**31 - 1


@dataclass
class GenerationOutput:
    """Frames float32 [T, H, W, 3] in [0, 1] (None for audio-only), audio float32 [C, N] or None."""

    frames: np.ndarray | None
    audio: np.ndarray | None
    sample_rate: int
    fps: int
    recipe: Recipe
    timings: dict[str, float] = field(default_factory=dict)  # e.g. preview_s: time spent making previews
    requester: str | None = None  # the profile that asked (for the cameo owners' usage log)
    job_id: str | None = None


FIRST_LAST = "flf2v"  # the manifest capability of models that take a first and a last frame


def check_last_frame(request: GenerationRequest, manifest: Manifest) -> None:
    """A last frame needs a first frame, a first+last frame model and no remix source."""
    if not request.last_image:
        if manifest.last_frame_required:
            raise BadInput(f"{manifest.id} makes a clip between a first and a last frame: give both (--image and "
                           "--last-image; the same image twice makes a loop), or use an image-to-video model")
        return
    if FIRST_LAST not in manifest.capabilities:
        raise BadInput(f"{manifest.id} cannot take a last frame; use a first+last frame model "
                       "(e.g. wan2.1-flf2v-14b-720p) or drop the last frame")
    if not request.image:
        raise BadInput("a last frame needs a first frame: give --image as well")
    if request.video:
        raise BadInput("a last frame cannot be combined with a remix source video")


class Backend:
    """Base for a model family; subclasses override call_kwargs/extract and, if needed, plan."""

    family = ""
    produces_audio = False
    has_video_preview = False
    default_seconds = 5.0

    def pipeline_name(self, request: GenerationRequest, manifest: Manifest) -> str:
        return manifest.pipeline

    def plan(self, request: GenerationRequest, manifest: Manifest, entry: InstalledModel, device: str = "cpu",
             dtype: str = "float32") -> Recipe:
        """Resolve defaults and snap to the family's rules; notices say what was changed."""
        notices: list[str] = []
        rules = manifest.rules
        prompt = check_prompt(request.prompt)
        fps = int(request.fps or rules.native_fps)
        check_range("fps", fps, 1, 120)
        if fps != rules.native_fps:
            notices.append(f"{fps} fps differs from the model's native {rules.native_fps} fps; "
                           "motion speed will differ")
        width, height = snap_size(request.width or rules.default_width, request.height or rules.default_height,
                                  rules, notices)
        seconds = request.seconds if request.seconds is not None else min(self.default_seconds, rules.max_frames / fps)
        frames = frames_for_seconds(seconds, fps, rules, notices)
        return self._recipe(request, manifest, entry, prompt, width, height, frames, fps, notices, device, dtype)

    def _recipe(self, request, manifest, entry, prompt, width, height, frames, fps, notices, device, dtype,
                audio_end_in_s=None) -> Recipe:
        check_last_frame(request, manifest)
        steps = int(request.steps if request.steps is not None else manifest.default_steps)
        check_range("steps", steps, 1, 500)
        guidance = float(request.guidance if request.guidance is not None else manifest.default_guidance)
        check_range("guidance", guidance, 0.0, 50.0)
        seed = int(request.seed) if request.seed is not None else random.randint(0, MAX_SEED)
        check_range("seed", seed, 0, 2**63 - 1)
        strength = None
        if request.video:
            strength = 0.7 if request.strength is None else float(request.strength)
            check_range("strength", strength, 0.01, 1.0)
        elif request.strength is not None:
            raise BadInput("--strength only applies to a remix (--remix VIDEO)")
        inputs = {}
        for kind, path in (("image", request.image), ("last_image", request.last_image), ("video", request.video)):
            if path:
                try:
                    inputs[kind] = file_sha256(path)
                except OSError as exc:
                    raise BadInput(f"cannot read the {kind} input {path}: {exc.strerror or exc}") from exc
        for i, path in enumerate(request.reference_images):
            try:
                inputs[f"reference_{i}"] = file_sha256(path)
            except OSError as exc:
                raise BadInput(f"cannot read reference image {path}: {exc.strerror or exc}") from exc
        return Recipe(
            model_id=manifest.id, model_revision=entry.revision or manifest.revision,
            model_sha=entry.revision if len(entry.revision) == 40 else "",
            pipeline=self.pipeline_name(request, manifest),
            prompt=prompt, negative_prompt=(request.negative_prompt or "").strip(), seed=seed,
            num_inference_steps=steps, guidance_scale=guidance, height=height, width=width, num_frames=frames,
            fps=fps, strength=strength, audio_end_in_s=audio_end_in_s, inputs=inputs, cameo_ids=list(request.cameos),
            style=request.style, device=device, dtype=dtype, software=software_versions(), notices=notices,
        )

    def call_kwargs(self, recipe: Recipe, request: GenerationRequest) -> dict:
        """The pipeline's keyword arguments (without generator, callbacks and output_type)."""
        raise NotImplementedError

    def extract(self, output: object, recipe: Recipe, pipe: object) -> tuple[np.ndarray | None, np.ndarray | None, int]:
        """(frames [T,H,W,3] float in [0,1], audio [C,N] or None, sample rate) from the pipeline output."""
        frames = np.asarray(output.frames[0], dtype=np.float32)
        return frames, None, 0

    # previews -------------------------------------------------------------------------------------------
    def preview_latents(self, latents: torch.Tensor, recipe: Recipe, pipe: object) -> torch.Tensor | None:
        """The step latents as [C, F, h, w] for projection, or None when this family has no video preview."""
        return latents[0] if latents.ndim == 5 else None

    def fit_projection(self, pipe: object) -> LatentProjection | None:
        return None
