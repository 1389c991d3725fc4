import hashlib

import numpy as np
import pytest
import torch

from sora_studio.core.models.install import ensure_tiny, resolve_installed
from sora_studio.core.models.loader import load_pipeline
from sora_studio.core.models.manifest import get_manifest
from sora_studio.core.models.tiny import build_tiny
from sora_studio.errors import BadInput


def _digest(folder):
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*.safetensors")):
        h.update(p.read_bytes())
    return h.hexdigest()


def test_tiny_build_is_reproducible_and_safetensors_only(tiny_models, tmp_path):
    again = build_tiny(tmp_path / "again", "wan")
    assert _digest(again) == _digest(tiny_models.path("wan"))
    assert not [p for p in again.rglob("*") if p.suffix in (".bin", ".pt", ".pkl")]
    with pytest.raises(BadInput, match="not empty"):
        build_tiny(again, "wan")
    with pytest.raises(BadInput, match="unknown tiny family"):
        build_tiny(tmp_path / "x", "sora")


def test_tiny_wan_is_built_on_first_use_into_data_dir(studio_home):
    manifest, entry = resolve_installed("wan-tiny")
    assert str(studio_home) in entry.path and entry.source == "tiny"
    assert ensure_tiny(manifest).path == entry.path  # second call reuses it


def _run_two_steps(family, pipe):
    kwargs = dict(prompt="a cat", num_inference_steps=2, generator=torch.Generator().manual_seed(0))
    if family == "stable-audio":
        return pipe(audio_end_in_s=0.5, **kwargs, output_type="np").audios
    kwargs.update(height=64, width=64, num_frames=9, output_type="np")
    if family == "wan-i2v":
        from PIL import Image

        kwargs["image"] = Image.new("RGB", (64, 64), (200, 40, 40))
    if family == "ltx2":
        kwargs.update(height=32, width=32, num_frames=9, frame_rate=24.0)
    out = pipe(**kwargs)
    return out.frames


@pytest.mark.parametrize("family", ["wan", "wan-i2v", "wan-vace", "ltx2", "stable-audio"])
def test_tiny_family_loads_through_the_real_loader_and_runs(tiny_models, family):
    entry = tiny_models.install(family)
    manifest = get_manifest(entry.id)
    loaded = load_pipeline(manifest.id)
    assert type(loaded.pipe).__name__ == manifest.pipeline
    result = np.asarray(_run_two_steps(family, loaded.pipe))
    assert result.size > 0 and np.isfinite(result).all()
