import base64
import io

import numpy as np
import pytest
import torch

from sora_studio.core.generation.devices import (
    EngineSettings, apply_profile, choose_profile, pick_device, pick_dtype, thread_count,
)
from sora_studio.core.generation.preview import LatentProjection, estimate_x0, fit_wan_projection, preview_pngs
from sora_studio.core.models.manifest import get_manifest


def test_profile_follows_free_memory():
    need = get_manifest("wan2.1-t2v-14b").vram_gb  # gpu 48, model_offload 32, group_offload 12
    assert choose_profile(None, need) == "cpu"
    assert choose_profile(80.0, need) == "gpu"
    assert choose_profile(40.0, need) == "model_offload"
    assert choose_profile(16.0, need) == "group_offload"
    assert choose_profile(6.0, need) == "sequential_offload"


def test_device_dtype_threads_and_settings(studio_home, monkeypatch):
    assert pick_device("cpu") == "cpu"
    assert pick_dtype("cuda") == torch.bfloat16 and pick_dtype("cpu") == torch.float32
    assert thread_count(EngineSettings(), cores=2) == 1 and thread_count(EngineSettings(threads=3), cores=2) == 3
    (studio_home / "config").mkdir(exist_ok=True)
    (studio_home / "config" / "engine.json").write_text('{"step_cache": "first-block", "threads": 2, "bogus": 1}')
    settings = EngineSettings.load()
    assert settings.step_cache == "first-block" and settings.threads == 2
    monkeypatch.setenv("SORA_STUDIO_DEVICE", "cpu")
    assert EngineSettings.load().device == "cpu"


def test_apply_profile_on_cpu_with_step_cache(tiny_models):
    from diffusers import WanPipeline

    pipe = WanPipeline.from_pretrained(tiny_models.path("wan"), use_safetensors=True)
    notes = apply_profile(pipe, "cpu", "cpu", EngineSettings(step_cache="first-block"))
    assert "step cache first-block" in notes
    pipe(prompt="x", height=32, width=32, num_frames=5, num_inference_steps=2, output_type="np")
    with pytest.raises(ValueError, match="unknown profile"):
        apply_profile(pipe, "warp", "cpu", EngineSettings())


def test_x0_estimate_is_exact_for_a_straight_flow():
    x0, noise = torch.randn(4, 2, 3, 3), torch.randn(4, 2, 3, 3)
    s0, s1 = 0.9, 0.6
    before, after = (1 - s0) * x0 + s0 * noise, (1 - s1) * x0 + s1 * noise  # rectified flow path
    # velocity d x / d sigma = noise - x0; x0 estimate = after - s1 * v
    assert torch.allclose(estimate_x0(before, after, s0, s1), x0, atol=1e-5)
    assert estimate_x0(None, after, s0, s1) is after


def test_projection_fit_beats_no_map_and_previews_are_small_pngs(tiny_models):
    from diffusers import AutoencoderKLWan
    from PIL import Image

    vae = AutoencoderKLWan.from_pretrained(tiny_models.path("wan") / "vae", use_safetensors=True)
    proj = fit_wan_projection(vae)
    assert proj.weight.shape == (3, 16) and proj.bias.shape == (3,)
    pngs = preview_pngs(torch.randn(16, 5, 8, 8), proj, max_frames=3)
    assert len(pngs) == 3
    img = Image.open(io.BytesIO(base64.b64decode(pngs[0])))
    assert img.size == (160, 160) and img.mode == "RGB"
    known = LatentProjection(np.eye(3, 16, dtype=np.float32), np.zeros(3, np.float32))
    lat = np.random.default_rng(0).standard_normal((16, 2, 4, 4)).astype(np.float32)
    assert np.allclose(known.apply(lat)[..., 0], lat[0])
