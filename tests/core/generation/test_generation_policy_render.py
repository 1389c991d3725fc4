"""A permitted cameo renders on the tiny VACE model with its face crop as the reference image (in process)."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from sora_studio.core.cameo import permissions
from sora_studio.core.generation.backends.wan import WanVACEBackend
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.generation.runner import ModelCache, generate, write_output
from sora_studio.core.safety.audit import AuditLog
from sora_studio.errors import Refused

SMALL = dict(seconds=0.3, width=32, height=32, fps=16, steps=2, seed=4)


@pytest.fixture
def captured(monkeypatch):
    """What the VACE backend hands to the real pipeline (the real call_kwargs runs; we keep a copy)."""
    calls = []
    real = WanVACEBackend.call_kwargs

    def spy(self, recipe, request):
        kwargs = real(self, recipe, request)
        calls.append({"kwargs": kwargs, "request": request})
        return kwargs

    monkeypatch.setattr(WanVACEBackend, "call_kwargs", spy)
    return calls


def test_cameo_crop_reaches_vace_as_reference_and_clip_is_logged(tiny_models, cameo_studio, captured, tmp_path):
    s = cameo_studio
    tiny_models.install("wan-vace")
    request = GenerationRequest(model_id="wan-vace-tiny", prompt="@alice waves at the camera", **SMALL)
    cache = ModelCache()
    output = generate(request, cache, job_id="job-1")
    (call,) = captured
    kwargs = call["kwargs"]
    assert kwargs["prompt"] == "The person waves at the camera"
    (reference,) = kwargs["reference_images"]  # the front crop, resized to the generation size
    expected = np.asarray(Image.fromarray(s.front).resize((32, 32)))
    assert np.array_equal(np.asarray(reference), expected)
    crop_path = call["request"].reference_images[0]
    assert not os.path.exists(crop_path), "decrypted crops are deleted after the run"
    recipe = output.recipe
    assert recipe.cameo_ids == [s.cameo.id] and recipe.prompt == "The person waves at the camera"
    assert recipe.inputs == {}, "the recipe keeps cameo ids only, no hash of a face crop"
    assert output.frames.shape[1:3] == (32, 32)

    result = write_output(output, tmp_path / "clip.mp4")
    sidecar = json.loads((tmp_path / "clip.mp4.recipe.json").read_text())
    assert sidecar["cameo_ids"] == [s.cameo.id] and "front" not in json.dumps(sidecar)
    log = permissions.usage(s.store, "alice", s.alice.id)
    assert [(row["action"], row["job_id"]) for row in log] == [("authorized", "job-1"), ("rendered", "job-1")]
    assert log[-1]["clip"] == result["media"]
    assert permissions.clips_using(s.store, "alice", s.alice.id) == [tmp_path / "clip.mp4"]
    assert [e.kind for e in AuditLog().events()] == ["generation"]

    # the recipe replays: same cameo (by id), same prompt, same frames
    again = generate(recipe.to_request(), cache)
    assert np.array_equal(again.frames, output.frames)


def test_refused_prompt_never_reaches_the_pipeline(tiny_models, cameo_studio, captured):
    tiny_models.install("wan-vace")
    with pytest.raises(Refused, match="cameo"):
        generate(GenerationRequest(model_id="wan-vace-tiny", prompt="@alice in lingerie", **SMALL), ModelCache())
    assert captured == []
    assert [(e.kind, e.category) for e in AuditLog().events()] == [("refusal", "cameo_depiction")]
