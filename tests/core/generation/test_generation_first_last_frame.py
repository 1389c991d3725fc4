"""Generation between a first and a last frame on the tiny FLF2V model: what the pipeline receives, the recipe,
and the refusals (model without the capability, last frame without a first, FLF2V without a last frame)."""

import numpy as np
import pytest
from PIL import Image

from sora_studio.core.generation.backends import wan
from sora_studio.core.generation.request import GenerationRequest, file_sha256
from sora_studio.core.generation.runner import ModelCache, generate, write_output
from sora_studio.errors import BadInput


def _png(path, value):
    Image.fromarray(np.full((32, 32, 3), value, np.uint8)).save(path)
    return str(path)


def test_first_and_last_frame_reach_the_pipeline_and_the_recipe(tiny_models, tmp_path, monkeypatch):
    tiny_models.install("wan-flf2v")
    first, last = _png(tmp_path / "first.png", 230), _png(tmp_path / "last.png", 20)
    seen = {}
    original = wan.WanBackend.call_kwargs

    def capture(self, recipe, request):
        kwargs = original(self, recipe, request)
        seen.update(kwargs)
        return kwargs

    monkeypatch.setattr(wan.WanBackend, "call_kwargs", capture)
    request = GenerationRequest(model_id="wan-flf2v-tiny", prompt="day turns to night", seconds=0.25, width=32,
                                height=32, seed=4, image=first, last_image=last)
    output = generate(request, ModelCache())
    assert output.frames.shape == (5, 32, 32, 3)
    assert np.asarray(seen["image"]).mean() > 200 and np.asarray(seen["last_image"]).mean() < 40
    recipe = write_output(output, tmp_path / "flf.mp4")["recipe"]
    assert recipe["pipeline"] == "WanImageToVideoPipeline" and recipe["model_id"] == "wan-flf2v-tiny"
    assert recipe["inputs"] == {"image": file_sha256(first), "last_image": file_sha256(last)}


def test_last_frame_refusals(tiny_models, tmp_path):
    tiny_models.install("wan-i2v")
    tiny_models.install("wan-flf2v")
    first, last = _png(tmp_path / "first.png", 200), _png(tmp_path / "last.png", 10)
    cache = ModelCache()
    with pytest.raises(BadInput, match="cannot take a last frame.*wan2.1-flf2v-14b-720p"):
        generate(GenerationRequest(model_id="wan-i2v-tiny", prompt="x", image=first, last_image=last), cache)
    with pytest.raises(BadInput, match="needs a first frame"):
        generate(GenerationRequest(model_id="wan-flf2v-tiny", prompt="x", last_image=last), cache)
    with pytest.raises(BadInput, match="between a first and a last frame"):
        generate(GenerationRequest(model_id="wan-flf2v-tiny", prompt="x", image=first), cache)
    assert cache.loads == 0  # refused before any model was loaded
