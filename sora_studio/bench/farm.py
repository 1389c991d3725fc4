"""`sora-studio bench farm`: render-farm throughput with 1 vs 2 workers, and per-job overhead vs local runs.

Everything runs in one go on a local loopback Ray cluster with the tiny Wan model (CPU):
- baseline: the same jobs rendered in this process through runner.generate + write_output (warm model), run
  before and after the farm runs (the faster counts: other load on the machine drifts during a run);
- farm x1 / farm x2: the jobs submitted at once to a FarmClient with 1 or 2 worker actors (warmed first);
- scaling efficiency = (farm x1 time / farm x2 time) / 2  (1.0 = perfect; bounded by the machine's cores);
- per-job overhead = (farm x1 time - baseline time) / jobs: scheduling, polling, object transfer, atomic write.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path


def _config(quick: bool) -> dict:
    if quick:
        return {"jobs": 4, "steps": 2, "size": 64, "seconds": 0.5}
    return {"jobs": 8, "steps": 8, "size": 128, "seconds": 1.0}


def _requests(cfg: dict):
    from sora_studio.core.generation.request import GenerationRequest

    return [GenerationRequest(model_id="wan-tiny", prompt="waves crash on black rocks", steps=cfg["steps"],
                              width=cfg["size"], height=cfg["size"], seconds=cfg["seconds"], fps=16, seed=100 + n)
            for n in range(cfg["jobs"])]


def _local(requests, out: Path) -> float:
    import torch

    from sora_studio.core.generation.runner import ModelCache, generate, write_output

    torch.set_num_threads(1)  # a farm worker runs with one thread (num_cpus=1): compare like with like
    cache = ModelCache()
    write_output(generate(requests[0], cache), out / "warm.mp4")
    t0 = time.perf_counter()
    for n, request in enumerate(requests):
        write_output(generate(request, cache), out / f"local-{n}.mp4")
    return time.perf_counter() - t0


def _farm(workers: int, requests, out: Path, env: dict) -> tuple[float, int]:
    from sora_studio.farm.client import FarmClient

    farm = FarmClient(workers=workers, env=env)
    try:
        farm.worker_info()
        warm = [farm.submit(requests[0], out / f"warm{workers}-{n}.mp4") for n in range(workers)]
        for job in warm:  # every worker loads the model before the clock starts
            farm.wait(job)
        t0 = time.perf_counter()
        jobs = [farm.submit(r, out / f"farm{workers}-{n}.mp4") for n, r in enumerate(requests)]
        finals = [farm.wait(job, timeout=1800) for job in jobs]
        elapsed = time.perf_counter() - t0
    finally:
        farm.close()
    failed = [f for f in finals if not f or f["type"] != "result"]
    if failed:
        raise RuntimeError(f"farm jobs failed: {failed[0]}")
    return elapsed, len({f["farm"]["worker"]["pid"] for f in finals})


def run(quick: bool = False) -> dict:
    from sora_studio.core.models.install import resolve_installed
    from sora_studio.farm.cluster import connect_local, disconnect, import_ray

    cfg = _config(quick)
    requests = _requests(cfg)
    resolve_installed("wan-tiny")  # build/register the tiny model once, before workers look for it
    env = {k: os.environ[k] for k in ("SORA_STUDIO_HOME", "HF_HOME", "HF_HUB_OFFLINE") if k in os.environ}
    ray = import_ray()
    connection = None if ray.is_initialized() else connect_local(num_cpus=2)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-farm-") as tmp:
            out = Path(tmp)
            local_before = _local(requests, out)
            one_s, _ = _farm(1, requests, out, env)
            two_s, used = _farm(2, requests, out, env)
            local_after = _local(requests, out)  # before and after: the machine's load drifts during a run
    finally:
        if connection is not None:
            disconnect(connection)
    n, local_s = cfg["jobs"], min(local_before, local_after)
    return {
        "config": cfg, "cores": os.cpu_count(), "load_avg_1min": os.getloadavg()[0],
        "local_s": local_s, "local_runs_s": [local_before, local_after],
        "farm1_s": one_s, "farm2_s": two_s, "workers_used_x2": used,
        "jobs_per_min": {"local": 60 * n / local_s, "farm1": 60 * n / one_s, "farm2": 60 * n / two_s},
        "speedup_2_vs_1": one_s / two_s, "scaling_efficiency": one_s / two_s / 2,
        "overhead_per_job_s": (one_s - local_s) / n, "farm1_vs_local": one_s / local_s,
    }


def format(result: dict) -> str:
    cfg, jpm = result["config"], result["jobs_per_min"]
    lines = [
        f"farm benchmark: {cfg['jobs']} jobs, tiny Wan {cfg['size']}x{cfg['size']}, {cfg['seconds']} s, "
        f"{cfg['steps']} steps, CPU, {result['cores']} cores (load average {result['load_avg_1min']:.1f})",
        f"{'run':<22}{'time s':>10}{'jobs/min':>10}",
        f"{'local (baseline)':<22}{result['local_s']:>10.2f}{jpm['local']:>10.1f}   "
        f"(runs: {', '.join(f'{t:.2f}' for t in result['local_runs_s'])})",
        f"{'farm, 1 worker':<22}{result['farm1_s']:>10.2f}{jpm['farm1']:>10.1f}",
        f"{'farm, 2 workers':<22}{result['farm2_s']:>10.2f}{jpm['farm2']:>10.1f}",
        f"speed-up 2 vs 1 worker: {result['speedup_2_vs_1']:.2f}x "
        f"(scaling efficiency {result['scaling_efficiency']:.0%}; "
        f"{result['workers_used_x2']} workers took jobs)",
        f"per-job farm overhead vs local: {result['overhead_per_job_s']:+.3f} s "
        f"(farm x1 / local = {result['farm1_vs_local']:.2f})",
    ]
    if (result["cores"] or 0) <= 2:
        lines.append("note: on 2 cores the two workers and the Ray processes share the same cores: scaling is bounded")
    return "\n".join(lines)
