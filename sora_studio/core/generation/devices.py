"""Device, precision and memory profile: where the model runs and how it is spread over GPU and CPU.

`choose_profile` is a pure function of free accelerator memory so that it is testable without a GPU.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields

import torch

from sora_studio.core.appdirs import config_dir

PROFILES = ("gpu", "model_offload", "group_offload", "sequential_offload", "cpu")


@dataclass
class EngineSettings:
    """User settings for the engine (config_dir()/engine.json; env SORA_STUDIO_DEVICE overrides device)."""

    device: str = "auto"  # auto | cuda | cuda:N | mps | cpu
    profile: str = "auto"  # auto | one of PROFILES
    dtype: str = "auto"  # auto (bf16 on CUDA, fp16 on MPS, fp32 on CPU) | bfloat16 | float16 | float32
    vae_tiling: bool = True
    step_cache: str = "none"  # none | first-block  (approximate: faster, slightly different frames)
    step_cache_threshold: float = 0.05
    compile: bool = False  # torch.compile of the transformer's repeated blocks
    threads: int = 0  # torch threads in the worker; 0 = 1 on machines with <= 4 cores, else all
    previews: bool = True
    model_cache_gb: float = 0.0  # memory for models kept loaded between jobs; 0 = auto (see model_cache.py)

    @classmethod
    def load(cls) -> EngineSettings:
        path = config_dir() / "engine.json"
        data = {}
        if path.is_file():
            try:
                data = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                data = {}
        known = {f.name for f in fields(cls)}
        settings = cls(**{k: v for k, v in data.items() if k in known})
        if os.environ.get("SORA_STUDIO_DEVICE"):
            settings.device = os.environ["SORA_STUDIO_DEVICE"]
        return settings

    def to_dict(self) -> dict:
        return asdict(self)


def pick_device(preference: str = "auto") -> str:
    if preference != "auto":
        return preference
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(device: str, preference: str = "auto") -> torch.dtype:
    if preference != "auto":
        return getattr(torch, preference)
    if device.startswith("cuda"):
        return torch.bfloat16
    if device == "mps":
        return torch.float16
    return torch.float32


def choose_profile(free_gb: float | None, needs_gb: dict[str, float]) -> str:
    """The fastest profile whose memory need (manifest [vram]) fits in free_gb; 'cpu' without an accelerator.

    Order: whole model on GPU > model CPU offload (one component at a time) > group offload (blocks
    streamed) > sequential offload (layer by layer, slowest, smallest).
    """
    if free_gb is None:
        return "cpu"
    for profile in ("gpu", "model_offload", "group_offload"):
        need = needs_gb.get(profile)
        if need is not None and free_gb >= need:
            return profile
    return "sequential_offload"


def free_accelerator_gb(device: str) -> float | None:
    if device.startswith("cuda") and torch.cuda.is_available():
        free, _total = torch.cuda.mem_get_info(torch.device(device))
        return free / 1024**3
    if device == "mps":
        return None if not hasattr(torch, "mps") else float("inf")  # unified memory: treat as fitting
    return None


def apply_profile(pipe, profile: str, device: str, settings: EngineSettings) -> list[str]:
    """Place the pipeline per profile and apply speed/memory options; return notes for the recipe/log."""
    notes = [f"profile {profile} on {device}"]
    if profile in ("gpu", "cpu"):
        pipe.to(device)
    elif profile == "model_offload":
        pipe.enable_model_cpu_offload(device=device)
    elif profile == "group_offload":
        pipe.enable_group_offload(onload_device=torch.device(device), offload_device=torch.device("cpu"),
                                  offload_type="leaf_level", use_stream=device.startswith("cuda"))
    elif profile == "sequential_offload":
        pipe.enable_sequential_cpu_offload(device=device)
    else:
        raise ValueError(f"unknown profile {profile!r}; use one of {PROFILES}")
    vae = getattr(pipe, "vae", None)
    if settings.vae_tiling and vae is not None and hasattr(vae, "enable_tiling") and device != "cpu":
        vae.enable_tiling()
        notes.append("VAE tiling")
    transformer = getattr(pipe, "transformer", None)
    if settings.step_cache != "none" and transformer is not None and hasattr(transformer, "enable_cache"):
        transformer.enable_cache(step_cache_config(settings.step_cache, settings.step_cache_threshold))
        notes.append(f"step cache {settings.step_cache}")
    if settings.compile and transformer is not None and hasattr(transformer, "compile_repeated_blocks"):
        transformer.compile_repeated_blocks(fullgraph=True)
        notes.append("torch.compile (repeated blocks)")
    return notes


def step_cache_config(kind: str, threshold: float):
    """A diffusers cache config. First-block cache reuses the rest of the network while the first block's
    output barely changes. (MagCacheConfig needs magnitude ratios calibrated per model and step count; none
    are shipped yet, so it is not offered.)"""
    from diffusers import FirstBlockCacheConfig

    if kind == "first-block":
        return FirstBlockCacheConfig(threshold=threshold)
    raise ValueError(f"unknown step cache {kind!r}; use none or first-block")


def thread_count(settings: EngineSettings, cores: int | None = None) -> int:
    cores = cores or os.cpu_count() or 1
    if settings.threads > 0:
        return settings.threads
    return 1 if cores <= 4 else cores
