"""ModelCache: several tiny models stay loaded while they fit the memory budget (LRU), sizes come from the
weights' parameters, and release() (the out-of-memory path) empties it."""

import torch

from sora_studio.core.generation.devices import EngineSettings
from sora_studio.core.generation.model_cache import GIB, ModelCache, estimate_folder_bytes, loaded_bytes, memory_budget
from sora_studio.core.models.install import resolve_installed

T2V, I2V = ("wan-tiny", "WanPipeline"), ("wan-i2v-tiny", "WanImageToVideoPipeline")


def _install(tiny_models):
    tiny_models.install("wan")
    tiny_models.install("wan-i2v")


def test_alternating_models_stay_loaded_within_the_budget(tiny_models):
    _install(tiny_models)
    cache = ModelCache(settings=EngineSettings(device="cpu"))
    first_t2v = cache.pipeline(*T2V)[1]
    first_i2v = cache.pipeline(*I2V)[1]
    for _ in range(2):  # a storyboard alternating cuts and continuations
        assert cache.pipeline(*T2V)[1] is first_t2v
        assert cache.pipeline(*I2V)[1] is first_i2v
    assert cache.loads == 2 and cache.evictions == 0
    assert list(cache.models) == ["wan-tiny", "wan-i2v-tiny"]  # least recently used first
    assert cache.loaded.manifest.id == "wan-i2v-tiny"  # `loaded` is the most recently used model
    # a derived pipeline shares its model's weights (from_pipe), so it adds no memory
    remix = cache.pipeline("wan-tiny", "WanVideoToVideoPipeline")[1]
    assert remix.transformer is first_t2v.transformer and cache.loads == 2


def test_a_model_over_the_budget_evicts_the_least_recently_used(tiny_models):
    _install(tiny_models)
    one_model = estimate_folder_bytes(resolve_installed("wan-i2v-tiny")[1].path, torch.float32)
    settings = EngineSettings(device="cpu", model_cache_gb=1.5 * one_model / GIB)  # room for one model only
    cache = ModelCache(settings=settings)
    cache.pipeline(*T2V)
    cache.pipeline(*I2V)
    assert list(cache.models) == ["wan-i2v-tiny"] and cache.evictions == 1
    cache.pipeline(*T2V)
    assert list(cache.models) == ["wan-tiny"] and cache.loads == 3 and cache.evictions == 2


def test_sizes_are_estimated_from_the_parameters_before_loading(tiny_models):
    _install(tiny_models)
    folder = resolve_installed("wan-tiny")[1].path
    estimate = estimate_folder_bytes(folder, torch.float32)
    cache = ModelCache(settings=EngineSettings(device="cpu"))
    loaded, pipe = cache.pipeline(*T2V)
    measured = loaded_bytes(pipe)
    params = sum(p.numel() for c in pipe.components.values() if isinstance(c, torch.nn.Module) for p in c.parameters())
    assert estimate >= 4 * params * 0.95  # every float32 parameter is counted
    assert abs(measured - estimate) / measured < 0.1 and cache.held_bytes == measured
    assert estimate_folder_bytes(folder, torch.bfloat16) < 0.55 * estimate  # halves in 16-bit


def test_budget_from_settings_or_free_memory_and_release(tiny_models):
    assert memory_budget("cpu", EngineSettings(model_cache_gb=2.0), held=0) == 2 * GIB
    auto = memory_budget("cpu", EngineSettings(), held=0)
    assert 0 < auto < memory_budget("cpu", EngineSettings(), held=8 * GIB)  # what the cache holds is usable
    # a real 14B model does not fit next to anything: it evicts every other model (the budget is < 56 GB)
    _install(tiny_models)
    cache = ModelCache(settings=EngineSettings(device="cpu", model_cache_gb=20.0))
    cache.pipeline(*T2V)
    assert cache.make_room(56 * GIB, "cpu") == ["wan-tiny"] and not cache.models
    # out of memory: the worker releases everything; the next job loads again
    cache.pipeline(*T2V)
    cache.pipeline(*I2V)
    cache.release()
    assert cache.loaded is None and cache.held_bytes == 0
    cache.pipeline(*T2V)
    assert cache.loads == 4 and list(cache.models) == ["wan-tiny"]
