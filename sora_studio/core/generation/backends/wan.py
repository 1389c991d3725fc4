"""Wan 2.1/2.2 family: text-to-video, remix (video-to-video with the same weights), image-to-video, first+last
frame (FLF2V), VACE."""

from __future__ import annotations

from sora_studio.core.generation.backends.base import Backend
from sora_studio.core.generation.backends.inputs import load_image, load_video_frames
from sora_studio.core.generation.preview import LatentProjection, fit_wan_projection
from sora_studio.core.generation.request import GenerationRequest, Recipe
from sora_studio.core.models.manifest import Manifest
from sora_studio.errors import BadInput


class WanBackend(Backend):
    """WanPipeline for text; WanVideoToVideoPipeline (from the same components) for --remix."""

    family = "wan"
    has_video_preview = True

    def pipeline_name(self, request: GenerationRequest, manifest: Manifest) -> str:
        if request.video:
            return "WanVideoToVideoPipeline"
        if request.image:
            if not manifest.image_pipeline:
                raise BadInput(f"{manifest.id} cannot start from an image; choose an image-to-video model")
            return manifest.image_pipeline
        return manifest.pipeline

    def call_kwargs(self, recipe: Recipe, request: GenerationRequest) -> dict:
        kwargs = dict(
            prompt=recipe.prompt, negative_prompt=recipe.negative_prompt or None, height=recipe.height,
            width=recipe.width, num_inference_steps=recipe.num_inference_steps, guidance_scale=recipe.guidance_scale,
        )
        if request.video:
            kwargs["video"] = load_video_frames(request.video, recipe.width, recipe.height, recipe.num_frames)
            kwargs["strength"] = recipe.strength
        else:
            kwargs["num_frames"] = recipe.num_frames
        if request.image:
            kwargs["image"] = load_image(request.image, recipe.width, recipe.height)
        if request.last_image:  # first+last frame (FLF2V); the same image as the first makes a loop
            kwargs["last_image"] = load_image(request.last_image, recipe.width, recipe.height)
        return kwargs

    def fit_projection(self, pipe: object) -> LatentProjection | None:
        return fit_wan_projection(pipe.vae)


class WanI2VBackend(WanBackend):
    family = "wan-i2v"

    def pipeline_name(self, request: GenerationRequest, manifest: Manifest) -> str:
        if not request.image:
            raise BadInput(f"{manifest.id} is an image-to-video model: give a first frame with --image")
        return manifest.pipeline


class WanFLF2VBackend(WanI2VBackend):
    """Wan FLF2V: WanImageToVideoPipeline on a transformer that embeds a first and a last frame (or only a first)."""

    family = "wan-flf2v"


class WanVACEBackend(WanBackend):
    """VACE: text-to-video, remix (the source video conditions every frame), reference images (cameos)."""

    family = "wan-vace"

    def pipeline_name(self, request: GenerationRequest, manifest: Manifest) -> str:
        return manifest.pipeline

    def call_kwargs(self, recipe: Recipe, request: GenerationRequest) -> dict:
        kwargs = dict(
            prompt=recipe.prompt, negative_prompt=recipe.negative_prompt or None, height=recipe.height,
            width=recipe.width, num_frames=recipe.num_frames, num_inference_steps=recipe.num_inference_steps,
            guidance_scale=recipe.guidance_scale,
        )
        if request.video:
            kwargs["video"] = load_video_frames(request.video, recipe.width, recipe.height, recipe.num_frames)
            # VACE has no strength; the source conditions the whole clip (strength is recorded but unused)
        if request.reference_images:
            kwargs["reference_images"] = [load_image(p, recipe.width, recipe.height) for p in request.reference_images]
        return kwargs
