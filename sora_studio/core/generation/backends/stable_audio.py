"""Stable Audio Open: text to stereo audio (sound effects, ambience, music beds)."""

from __future__ import annotations

import numpy as np
import torch

from sora_studio.core.generation.backends.base import Backend
from sora_studio.core.generation.request import GenerationRequest, Recipe
from sora_studio.core.generation.rules import check_prompt, check_range
from sora_studio.core.models.manifest import Manifest
from sora_studio.errors import BadInput


class StableAudioBackend(Backend):
    family = "stable-audio"
    produces_audio = True

    def plan(self, request: GenerationRequest, manifest: Manifest, entry, device: str = "cpu",
             dtype: str = "float32") -> Recipe:
        if request.image or request.video or request.reference_images:
            raise BadInput(f"{manifest.id} makes audio from text only; remove image/video inputs")
        prompt = check_prompt(request.prompt)
        limit = manifest.rules.max_seconds
        seconds = request.seconds if request.seconds is not None else min(10.0, limit)
        if seconds <= 0 or seconds > limit:
            raise BadInput(f"{seconds:g} s is out of range for {manifest.id}: ask for 0 < seconds <= {limit:g}")
        check_range("seconds", seconds, 0.01, limit)
        return self._recipe(request, manifest, entry, prompt, 0, 0, 0, 0, [], device, dtype,
                            audio_end_in_s=float(seconds))

    def call_kwargs(self, recipe: Recipe, request: GenerationRequest) -> dict:
        return dict(prompt=recipe.prompt, negative_prompt=recipe.negative_prompt or None,
                    audio_end_in_s=recipe.audio_end_in_s, num_inference_steps=recipe.num_inference_steps,
                    guidance_scale=recipe.guidance_scale)

    def extract(self, output, recipe: Recipe, pipe) -> tuple[None, np.ndarray, int]:
        audio = output.audios[0]
        audio = audio.float().cpu().numpy() if isinstance(audio, torch.Tensor) else np.asarray(audio, np.float32)
        return None, audio, int(pipe.vae.sampling_rate)
