"""Run one GenerationRequest on a loaded pipeline: progress, previews and cancel at every step.

This is the engine's inner loop, used by the worker process and by in-process callers (benchmarks, tests).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from sora_studio.core.fsutil import atomic_write_text
from sora_studio.core.generation.backends import Backend, GenerationOutput, backend_for
from sora_studio.core.generation.backends.base import check_last_frame
from sora_studio.core.generation.recipe_file import CONTAINER_KEY
from sora_studio.core.generation.model_cache import ModelCache
from sora_studio.core.generation.policy import check_request, prepare_for_model, record_cameo_clip
from sora_studio.core.generation.preview import LatentProjection, estimate_x0, preview_pngs
from sora_studio.core.generation.request import GenerationRequest, Recipe
from sora_studio.core.models.install import resolve_installed
from sora_studio.core.models.manifest import get_manifest
from sora_studio.errors import Cancelled

ProgressFn = Callable[[int, int, float], None]  # step (1-based), steps, eta seconds
PreviewFn = Callable[[int, list[str]], None]  # step, base64 PNG frames

__all__ = ["ModelCache", "StepMonitor", "generate", "write_output"]


class _StopAtStep(Exception):
    """Raised inside the step callback to leave the denoising loop (and skip the VAE decode) on cancel."""


class StepMonitor:
    """The callback_on_step_end: progress + x0 preview + cancel check, once per denoising step."""

    def __init__(self, backend: Backend, recipe: Recipe, progress: ProgressFn | None, preview: PreviewFn | None,
                 projection: LatentProjection | None, should_cancel: Callable[[], bool] | None) -> None:
        self.backend, self.recipe = backend, recipe
        self.progress, self.preview, self.projection = progress, preview, projection
        self.should_cancel = should_cancel
        self.started = time.perf_counter()
        self.previous: torch.Tensor | None = None
        self.cancelled_at: int | None = None
        self.preview_seconds = 0.0

    def __call__(self, pipe, i: int, t, kwargs: dict) -> dict:
        steps = self.recipe.num_inference_steps
        done = i + 1
        if self.preview is not None and self.projection is not None and "latents" in kwargs:
            t0 = time.perf_counter()
            self._send_preview(pipe, i, kwargs["latents"])
            self.preview_seconds += time.perf_counter() - t0
        if self.progress is not None:
            elapsed = time.perf_counter() - self.started
            self.progress(done, steps, elapsed / done * (steps - done))
        if self.should_cancel is not None and self.should_cancel() and done < steps:
            self.cancelled_at = done
            pipe._interrupt = True
            raise _StopAtStep()
        return {}

    def _send_preview(self, pipe, i: int, latents: torch.Tensor) -> None:
        sigmas = getattr(pipe.scheduler, "sigmas", None)
        view = self.backend.preview_latents(latents, self.recipe, pipe)
        if view is None:
            return
        view = view.detach().float().cpu()
        if sigmas is not None and i + 1 < len(sigmas):
            x0 = estimate_x0(self.previous, view, float(sigmas[i]), float(sigmas[i + 1]))
        else:
            x0 = view
        self.previous = view
        self.preview(i + 1, preview_pngs(x0, self.projection))


def generate(
    request: GenerationRequest,
    cache: ModelCache | None = None,
    progress: ProgressFn | None = None,
    preview: PreviewFn | None = None,
    should_cancel: Callable[[], bool] | None = None,
    job_id: str | None = None,
) -> GenerationOutput:
    """Check (the counted run-time policy gate), plan, run and return frames/audio + recipe.

    Raises BadInput/Refused/Cancelled/StudioError. Cameo face crops are decrypted for this call only.
    """
    with check_request(request, stage="run", job_id=job_id) as clearance:
        prepared, user_refs = prepare_for_model(request, clearance)
        output = _run_pipeline(prepared, cache or ModelCache(), progress, preview, should_cancel)
    recipe = output.recipe
    recipe.cameo_ids = clearance.cameo_ids
    if clearance.cameos:  # ids only: no hash of a face crop goes into the recipe
        recipe.inputs = {k: v for k, v in recipe.inputs.items()
                         if not (k.startswith("reference_") and int(k.split("_")[1]) >= user_refs)
                         and not (k == "image" and prepared.image != request.image)}
    output.requester, output.job_id = clearance.requester.id, job_id
    return output


def _run_pipeline(request: GenerationRequest, cache: ModelCache, progress: ProgressFn | None,
                  preview: PreviewFn | None, should_cancel: Callable[[], bool] | None) -> GenerationOutput:
    manifest, entry = resolve_installed(request.model_id)
    backend = backend_for(manifest.family)
    check_last_frame(request, manifest)  # before loading anything
    name = backend.pipeline_name(request, manifest)
    loaded, pipe = cache.pipeline(manifest.id, name)
    recipe = backend.plan(request, manifest, loaded.entry, loaded.device, str(loaded.dtype).removeprefix("torch."))
    kwargs = backend.call_kwargs(recipe, request)
    projection = cache.projection(backend, pipe, loaded) if (preview is not None and cache.settings.previews) else None
    monitor = StepMonitor(backend, recipe, progress, preview, projection, should_cancel)
    generator = torch.Generator(device="cpu").manual_seed(recipe.seed)
    try:
        with torch.inference_mode():
            output = pipe(**kwargs, generator=generator, output_type="np", **step_callback_kwargs(pipe, monitor))
    except _StopAtStep:
        raise Cancelled(f"cancelled after step {monitor.cancelled_at} of {recipe.num_inference_steps}") from None
    finally:
        pipe._interrupt = False
    frames, audio, rate = backend.extract(output, recipe, pipe)
    timings = {"total_s": time.perf_counter() - monitor.started, "preview_s": monitor.preview_seconds}
    return GenerationOutput(frames=frames, audio=audio, sample_rate=rate, fps=recipe.fps, recipe=recipe,
                            timings=timings)


def step_callback_kwargs(pipe, monitor: StepMonitor) -> dict:
    """callback_on_step_end where the pipeline has it; the legacy per-step `callback` otherwise (StableAudio)."""
    import inspect

    params = inspect.signature(pipe.__call__).parameters
    if "callback_on_step_end" in params:
        return {"callback_on_step_end": monitor, "callback_on_step_end_tensor_inputs": ["latents"]}
    if "callback" in params:
        return {"callback": lambda i, t, latents: monitor(pipe, i, t, {"latents": latents}), "callback_steps": 1}
    return {}


def frames_to_uint8(frames: np.ndarray) -> np.ndarray:
    return (np.clip(frames, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def write_output(output: GenerationOutput, path: str | Path) -> dict:
    """Write the MP4 (or WAV-in-MP4 for audio-only families) and its recipe sidecar; return the result dict."""
    from sora_studio.core.audio.conform import conform_output
    from sora_studio.core.media.encode import write_clip
    from sora_studio.core.provenance.export_hooks import mark_generated_frames

    path = Path(path)
    # model sound (LTX-2, Stable Audio) becomes 48 kHz stereo, NaN-free and exactly as long as the picture
    output.recipe.notices += conform_output(output)
    frames = output.frames
    if frames is None:  # audio-only: a black 16 px video track keeps it an ordinary MP4 clip on the timeline
        n = max(1, int(round(output.audio.shape[1] / output.sample_rate * 24)))
        frames_u8 = np.zeros((n, 16, 16, 3), dtype=np.uint8)
        fps = 24
    else:
        # every generated picture carries the invisible trace mark, recorded in the provenance ledger
        frames_u8, mark_id = mark_generated_frames(frames_to_uint8(frames), output.recipe, fps=float(output.fps))
        output.recipe.trace_mark_id = f"{mark_id:016x}"
        fps = output.fps
    recipe = output.recipe.to_dict()
    metadata = {"comment": "generated by Sora Studio", CONTAINER_KEY: json.dumps(recipe, sort_keys=True)}
    write_clip(path, frames_u8, fps, audio=output.audio, sample_rate=output.sample_rate or 48000, metadata=metadata)
    sidecar = path.with_suffix(path.suffix + ".recipe.json")
    atomic_write_text(sidecar, json.dumps(recipe, indent=2, sort_keys=True))
    record_cameo_clip(output.recipe.cameo_ids, output.requester, path, output.job_id)  # the owners' usage log
    return {"media": str(path), "recipe_file": str(sidecar), "recipe": recipe, "notices": output.recipe.notices,
            "produces_noise": get_manifest(output.recipe.model_id).tiny}
