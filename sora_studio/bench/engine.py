"""`sora-studio bench engine`: what the studio's engine costs on top of diffusers (CPU, tiny Wan model).

Measured in one run, against a baseline of the same pipeline called directly with the same arguments:
- engine overhead: studio generate() (planning, step callback, progress, previews) vs the direct call,
  goal < 5% + 0.2 s;
- worker round trip: submit -> result through the worker process (warm, includes MP4 encoding) vs direct;
- preview cost per step: x0 estimate + projection + PNG encode, as a share of a step, goal < 5%;
- cancel latency: steps run after the cancel request reached the client (goal <= 1).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import torch


def _config(quick: bool) -> dict:
    if quick:
        return {"size": 64, "seconds": 0.5, "steps": 4, "repeats": 1, "cancel_steps": 12}
    return {"size": 256, "seconds": 2.0, "steps": 10, "repeats": 3, "cancel_steps": 30}


def run(quick: bool = False) -> dict:
    from sora_studio.core.generation.request import GenerationRequest
    from sora_studio.core.generation.runner import ModelCache, generate
    from sora_studio.core.models.install import import_folder
    from sora_studio.core.models.tiny import build_tiny

    from sora_studio.core.generation.devices import EngineSettings, thread_count

    torch.set_num_threads(thread_count(EngineSettings.load()))  # the worker's setting, for a fair baseline
    cfg = _config(quick)
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        old_home = os.environ.get("SORA_STUDIO_HOME")
        os.environ["SORA_STUDIO_HOME"] = str(Path(tmp) / "home")
        try:
            folder = build_tiny(Path(tmp) / "wan", "wan")
            import_folder("wan-tiny", folder)
            request = GenerationRequest(model_id="wan-tiny", prompt="a cat walks on the beach", seconds=cfg["seconds"],
                                        width=cfg["size"], height=cfg["size"], seed=1, steps=cfg["steps"])
            cache = ModelCache()
            previews = []
            warm = generate(request, cache, preview=lambda s, f: previews.append(s))  # load + fit projection
            recipe = warm.recipe
            pipe = cache.pipes[recipe.pipeline]

            def direct() -> None:
                pipe(prompt=recipe.prompt, negative_prompt=None, height=recipe.height, width=recipe.width,
                     num_frames=recipe.num_frames, num_inference_steps=recipe.num_inference_steps,
                     guidance_scale=recipe.guidance_scale, generator=torch.Generator().manual_seed(recipe.seed),
                     output_type="np")

            direct_s, direct_inference_s, studio_s = [], [], []
            for _ in range(cfg["repeats"] + 1):  # interleaved so that load changes hit all alike
                t0 = time.perf_counter()
                direct()  # as a user would call it (the pipeline runs under no_grad)
                direct_s.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                with torch.inference_mode():  # as the studio calls it
                    direct()
                direct_inference_s.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                generate(request, cache, progress=lambda s, n, e: None, preview=lambda s, f: None)
                studio_s.append(time.perf_counter() - t0)
            # preview cost as measured by the step monitor itself
            with_previews = generate(request, cache, preview=lambda s, f: None)
            per_step_preview = with_previews.timings["preview_s"] / recipe.num_inference_steps
            plain = min(direct_s)
            d, s = min(direct_inference_s), min(studio_s)  # min: the least disturbed run of each
            step_s = d / recipe.num_inference_steps
            worker = _worker_figures(request, cfg, Path(tmp), d)
        finally:
            if old_home is None:
                os.environ.pop("SORA_STUDIO_HOME", None)
            else:
                os.environ["SORA_STUDIO_HOME"] = old_home
    overhead = s - d
    return {
        "device": "cpu", "threads": torch.get_num_threads(), "quick": quick,
        "shape": {"size": cfg["size"], "frames": recipe.num_frames, "steps": recipe.num_inference_steps},
        "direct_plain_s": round(plain, 4), "direct_s": round(d, 4), "studio_s": round(s, 4),
        "overhead_s": round(overhead, 4),
        "overhead_ratio": round(overhead / d, 4) if d else None,
        "overhead_goal_met": overhead <= 0.05 * d + 0.2,
        "step_s": round(step_s, 4), "preview_per_step_s": round(per_step_preview, 5),
        "preview_share_of_step": round(per_step_preview / step_s, 4) if step_s else None,
        "preview_goal_met": per_step_preview <= 0.05 * step_s,
        **worker,
    }


def _worker_figures(request, cfg: dict, tmp: Path, direct_s: float) -> dict:
    from sora_studio.core.generation.request import GenerationRequest
    from sora_studio.engine.client import EngineClient

    client = EngineClient()
    try:
        t0 = time.perf_counter()
        first = client.submit(request, tmp / "first.mp4")
        client.wait(first, 600)
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        job = client.submit(request, tmp / "warm.mp4")
        final = client.wait(job, 600)
        warm_s = time.perf_counter() - t0
        steps_seen: list[int] = []
        asked: dict[str, int] = {}

        def on_progress(job_id: str, step: int, steps: int, eta: float) -> None:
            steps_seen.append(step)
            if step == 2 and not asked:
                asked["step"] = step
                client.cancel(job_id)

        client.progress.connect(on_progress)
        long_request = GenerationRequest.from_dict({**request.to_dict(), "steps": cfg["cancel_steps"]})
        t0 = time.perf_counter()
        cancel_job = client.submit(long_request, tmp / "cancel.mp4")
        cancelled = client.wait(cancel_job, 600)
        client.progress.disconnect(on_progress)
    finally:
        client.close()
    return {
        "worker_cold_start_s": round(cold_s, 3), "worker_warm_s": round(warm_s, 4),
        "worker_overhead_s": round(warm_s - direct_s, 4), "worker_ok": bool(final and final["type"] == "result"),
        "cancel_requested_at_step": asked.get("step"), "cancel_last_step": max(steps_seen) if steps_seen else None,
        "cancel_latency_steps": (max(steps_seen) - asked["step"]) if asked else None,
        "cancel_outcome": (cancelled or {}).get("error", {}).get("kind"),
    }


def format(result: dict) -> str:
    r = result
    shape = r["shape"]
    return "\n".join([
        f"engine bench (CPU, {r['threads']} thread(s), tiny Wan {shape['size']}px x {shape['frames']} frames, "
        f"{shape['steps']} steps{', quick' if r['quick'] else ''})",
        f"  direct pipeline call     {r['direct_plain_s']:.3f} s (as called by hand, under no_grad)",
        f"  direct, inference_mode   {r['direct_s']:.3f} s (baseline: the same call the studio makes)",
        f"  studio generate()        {r['studio_s']:.3f} s  overhead {r['overhead_s']:+.3f} s "
        f"({(r['overhead_ratio'] or 0) * 100:+.1f}%)  goal <5% + 0.2 s: "
        f"{'met' if r['overhead_goal_met'] else 'MISSED'}",
        f"  worker round trip (warm) {r['worker_warm_s']:.3f} s  (+{r['worker_overhead_s']:.3f} s incl. MP4 encode);"
        f" cold start {r['worker_cold_start_s']:.1f} s",
        f"  preview per step         {r['preview_per_step_s'] * 1000:.2f} ms = "
        f"{(r['preview_share_of_step'] or 0) * 100:.1f}% of a {r['step_s'] * 1000:.1f} ms step  goal <5%: "
        f"{'met' if r['preview_goal_met'] else 'MISSED'}",
        f"  cancel latency           {r['cancel_latency_steps']} step(s) after the request "
        f"(asked at step {r['cancel_requested_at_step']}, outcome {r['cancel_outcome']})",
    ])
