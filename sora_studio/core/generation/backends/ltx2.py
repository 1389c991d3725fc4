"""LTX-2: video and synchronised audio from one pipeline call (LTX2Pipeline)."""

from __future__ import annotations

import numpy as np
import torch

from sora_studio.core.generation.backends.base import Backend
from sora_studio.core.generation.request import GenerationRequest, Recipe
from sora_studio.core.models.manifest import Manifest
from sora_studio.errors import BadInput


class LTX2Backend(Backend):
    family = "ltx2"
    produces_audio = True
    has_video_preview = True

    def pipeline_name(self, request: GenerationRequest, manifest: Manifest) -> str:
        if request.image or request.video:
            raise BadInput("image and video inputs for LTX-2 are not wired up yet; use a Wan model for them")
        return manifest.pipeline

    def call_kwargs(self, recipe: Recipe, request: GenerationRequest) -> dict:
        return dict(
            prompt=recipe.prompt, negative_prompt=recipe.negative_prompt or None, height=recipe.height,
            width=recipe.width, num_frames=recipe.num_frames, frame_rate=float(recipe.fps),
            num_inference_steps=recipe.num_inference_steps, guidance_scale=recipe.guidance_scale,
        )

    def extract(self, output, recipe: Recipe, pipe) -> tuple[np.ndarray, np.ndarray, int]:
        frames = np.asarray(output.frames[0], dtype=np.float32)
        audio = output.audio[0]
        audio = audio.float().cpu().numpy() if isinstance(audio, torch.Tensor) else np.asarray(audio, np.float32)
        return frames, audio, int(pipe.vocoder.config.output_sampling_rate)

    def preview_latents(self, latents: torch.Tensor, recipe: Recipe, pipe) -> torch.Tensor | None:
        """LTX-2 keeps video latents packed as [B, tokens, C]: unpack to [C, F, h, w]."""
        if latents.ndim != 3:
            return None
        frames = (recipe.num_frames - 1) // pipe.vae_temporal_compression_ratio + 1
        h = recipe.height // pipe.vae_spatial_compression_ratio
        w = recipe.width // pipe.vae_spatial_compression_ratio
        p, pt = pipe.transformer_spatial_patch_size, pipe.transformer_temporal_patch_size
        if frames * h * w != latents.shape[1] * p * p * pt:
            return None
        return pipe._unpack_latents(latents, frames, h, w, p, pt)[0]

    def fit_projection(self, pipe):
        from sora_studio.core.generation.preview import fit_projection

        vae = pipe.vae

        def encode(x: torch.Tensor) -> torch.Tensor:
            z = vae.encode(x).latent_dist.mean
            return pipe._normalize_latents(z, vae.latents_mean, vae.latents_std, vae.config.scaling_factor)

        return fit_projection(encode, vae, size=pipe.vae_spatial_compression_ratio * 8)
