"""Loaded models kept between jobs: several at once while they fit a memory budget, least recently used out.

A storyboard alternates text-to-video shots and image-to-video continuations; keeping only one model meant
reloading (and garbage-collecting) at every shot. Here each model's size is estimated from its parameters
before it is loaded (safetensors headers: parameter count x the loading dtype) and measured after; a new
model evicts the least recently used ones until everything fits the budget. Memory is given back (gc,
CUDA cache) only when something was evicted. A real 14B model exceeds any sensible budget next to another
model, so it evicts the others and runs alone, as before.

Budget: `EngineSettings.model_cache_gb` when set (> 0); otherwise, on an accelerator, 85 % of (free VRAM +
what the cached models hold there) and, on CPU, 60 % of (available RAM + what the cached models hold), so
that the generation's own working memory still fits.
"""

from __future__ import annotations

import gc
import json
import struct
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import torch

from sora_studio.core.generation.backends import Backend
from sora_studio.core.generation.devices import EngineSettings, apply_profile, choose_profile, free_accelerator_gb
from sora_studio.core.generation.devices import pick_device, pick_dtype
from sora_studio.core.generation.preview import LatentProjection, cached_projection
from sora_studio.core.models.install import resolve_installed
from sora_studio.core.models.loader import LoadedModel, load_pipeline, pipeline_class

GIB = 1024**3
ACCELERATOR_SHARE = 0.85
HOST_SHARE = 0.6
_FLOAT_TYPES = {"F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2"}
_INT_BYTES = {"I64": 8, "U64": 8, "I32": 4, "U32": 4, "I16": 2, "U16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def estimate_folder_bytes(folder: str | Path, dtype: torch.dtype) -> int:
    """Bytes a diffusers folder's weights take once loaded in `dtype` (floats converted, integers kept).

    Reads only the safetensors headers (parameter shapes), so it is instant even for a 14B model.
    """
    itemsize = torch.empty((), dtype=dtype).element_size()
    total = 0
    for path in Path(folder).rglob("*.safetensors"):
        try:
            with open(path, "rb") as fh:
                (length,) = struct.unpack("<Q", fh.read(8))
                header = json.loads(fh.read(length))
        except (OSError, struct.error, ValueError):
            total += path.stat().st_size if path.is_file() else 0  # unreadable header: its size on disk
            continue
        for name, info in header.items():
            if name == "__metadata__":
                continue
            count = 1
            for dim in info.get("shape", ()):
                count *= int(dim)
            kind = info.get("dtype", "F32")
            total += count * (itemsize if kind in _FLOAT_TYPES else _INT_BYTES.get(kind, itemsize))
    return total


def loaded_bytes(pipe: object) -> int:
    """Bytes held by a pipeline's torch modules (parameters and buffers, shared tensors counted once)."""
    seen: set[int] = set()
    total = 0
    components = getattr(pipe, "components", {}) or {}
    for module in components.values():
        if not isinstance(module, torch.nn.Module):
            continue
        for tensor in list(module.parameters()) + list(module.buffers()):
            if tensor.device.type == "meta":
                continue
            key = tensor.data_ptr()
            if key in seen:
                continue
            seen.add(key)
            total += tensor.numel() * tensor.element_size()
    return total


def available_host_bytes() -> int:
    """RAM that can be used without swapping (psutil when present, else sysconf)."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        import os

        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def memory_budget(device: str, settings: EngineSettings, held: int) -> int:
    """Bytes the cached models may take together on `device` (see the module docstring)."""
    if settings.model_cache_gb > 0:
        return int(settings.model_cache_gb * GIB)
    free_gb = free_accelerator_gb(device)
    if free_gb is not None and free_gb != float("inf"):
        return int((free_gb * GIB + held) * ACCELERATOR_SHARE)
    return int((available_host_bytes() + held) * HOST_SHARE)


@dataclass
class CachedModel:
    loaded: LoadedModel
    pipes: dict[str, object]
    size_bytes: int
    notes: list[str]


@dataclass
class ModelCache:
    """The worker's loaded models, most recently used last; derived pipelines share their model's weights."""

    settings: EngineSettings = field(default_factory=EngineSettings.load)
    models: OrderedDict[str, CachedModel] = field(default_factory=OrderedDict)
    projections: dict[str, LatentProjection | None] = field(default_factory=dict)
    loads: int = 0  # models loaded from disk so far (benchmarks and tests read it)
    evictions: int = 0

    # the most recently used model (what callers that know one model at a time look at) ----------------------
    @property
    def loaded(self) -> LoadedModel | None:
        return next(reversed(self.models.values())).loaded if self.models else None

    @property
    def pipes(self) -> dict[str, object]:
        return next(reversed(self.models.values())).pipes if self.models else {}

    @property
    def placement_notes(self) -> list[str]:
        return next(reversed(self.models.values())).notes if self.models else []

    @property
    def held_bytes(self) -> int:
        return sum(m.size_bytes for m in self.models.values())

    def pipeline(self, model_id: str, name: str) -> tuple[LoadedModel, object]:
        """The pipeline class `name` on `model_id`'s weights, loading the model (and evicting others) if needed."""
        cached = self.models.get(model_id)
        if cached is None:
            cached = self._load(model_id)
        self.models.move_to_end(model_id)
        if name not in cached.pipes:
            cached.pipes[name] = pipeline_class(name).from_pipe(cached.loaded.pipe)
            cached.pipes[name].set_progress_bar_config(disable=True)
        return cached.loaded, cached.pipes[name]

    def _load(self, model_id: str) -> CachedModel:
        device = pick_device(self.settings.device)
        dtype = pick_dtype(device, self.settings.dtype)
        manifest, entry = resolve_installed(model_id)
        need = estimate_folder_bytes(entry.path, dtype)
        if device != "cpu":  # the model's whole-GPU need (weights + activations) when the manifest knows it
            need = max(need, int(manifest.vram_gb.get("gpu", 0.0) * GIB))
        self.make_room(need, device)
        loaded = load_pipeline(model_id, device=device, dtype=dtype)
        profile = self.settings.profile
        if profile == "auto":
            profile = "cpu" if device == "cpu" else choose_profile(free_accelerator_gb(device), manifest.vram_gb)
        notes = apply_profile(loaded.pipe, profile, device, self.settings)
        cached = CachedModel(loaded, {manifest.pipeline: loaded.pipe}, loaded_bytes(loaded.pipe), notes)
        self.models[manifest.id] = cached
        self.loads += 1
        return cached

    def make_room(self, need: int, device: str) -> list[str]:
        """Evict least recently used models until `need` more bytes fit the budget; return the evicted ids."""
        evicted = []
        budget = memory_budget(device, self.settings, self.held_bytes)  # evicting frees only after gc: fix it now
        while self.models and self.held_bytes + need > budget:
            model_id, _ = self.models.popitem(last=False)
            evicted.append(model_id)
        if evicted:
            self.evictions += len(evicted)
            _give_memory_back()
        return evicted

    def projection(self, backend: Backend, pipe: object, loaded: LoadedModel | None = None) -> LatentProjection | None:
        loaded = loaded or self.loaded
        assert loaded is not None
        key = f"{loaded.manifest.id}|{loaded.entry.revision}|{loaded.entry.path}"
        if key not in self.projections:
            if not backend.has_video_preview:
                self.projections[key] = None
            else:
                self.projections[key] = cached_projection(key, lambda: backend.fit_projection(pipe))
        return self.projections[key]

    def release(self, model_id: str | None = None) -> None:
        """Drop one model, or all of them (after running out of memory), and give the memory back."""
        if model_id is None:
            self.models.clear()
        else:
            self.models.pop(model_id, None)
        _give_memory_back()


def _give_memory_back() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
