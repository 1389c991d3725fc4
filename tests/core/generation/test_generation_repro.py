"""Generation through the studio equals calling the diffusers pipeline directly, and replays exactly."""

import json

import av
import numpy as np
import pytest
import torch

from sora_studio.core.generation.request import GenerationRequest, Recipe
from sora_studio.core.generation.runner import ModelCache, generate, write_output
from sora_studio.errors import BadInput, Cancelled


@pytest.fixture
def cache(tiny_models):
    tiny_models.install("wan")
    return ModelCache()


def test_studio_generation_equals_direct_pipeline_call(cache):
    request = GenerationRequest(model_id="wan-tiny", prompt="a red fox in snow", negative_prompt="blurry",
                                seconds=0.5, width=64, height=64, seed=1234, steps=2, guidance=4.0)
    out = generate(request, cache)
    from diffusers import WanPipeline

    direct_pipe = WanPipeline.from_pretrained(cache.loaded.entry.path, use_safetensors=True)
    r = out.recipe
    direct = direct_pipe(
        prompt=r.prompt, negative_prompt=r.negative_prompt, height=r.height, width=r.width, num_frames=r.num_frames,
        num_inference_steps=r.num_inference_steps, guidance_scale=r.guidance_scale,
        generator=torch.Generator().manual_seed(r.seed), output_type="np",
    ).frames[0]
    assert out.frames.shape == (9, 64, 64, 3)
    assert np.abs(direct - out.frames).max() <= 1e-6
    # and a different seed really changes the frames (the comparison can fail)
    other = generate(GenerationRequest.from_dict({**request.to_dict(), "seed": 1235}), cache)
    assert np.abs(other.frames - out.frames).max() > 1e-3


def test_recipe_replays_to_identical_frames_and_is_written_beside_the_clip(cache, tmp_path):
    first = generate(GenerationRequest(model_id="wan-tiny", prompt="waves", seconds=0.3, width=70, height=64,
                                       steps=2), cache)
    assert first.recipe.width == 64 and any("rounded" in n for n in first.recipe.notices)
    result = write_output(first, tmp_path / "clip.mp4")
    recipe = Recipe.from_dict(json.loads((tmp_path / "clip.mp4.recipe.json").read_text()))
    assert recipe == first.recipe and result["recipe"]["num_inference_steps"] == 2
    for key in ("prompt", "negative_prompt", "seed", "num_inference_steps", "guidance_scale", "height", "width",
                "num_frames", "fps"):
        assert key in result["recipe"]
    again = generate(recipe.to_request(), ModelCache())
    assert np.array_equal(again.frames, first.frames)
    with av.open(str(tmp_path / "clip.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (64, 64)
        assert sum(1 for _ in container.decode(video=0)) == recipe.num_frames


def test_cancel_inside_the_step_loop_raises_cancelled_and_pipeline_stays_usable(cache):
    steps_seen = []
    request = GenerationRequest(model_id="wan-tiny", prompt="a cat", seconds=0.5, width=64, height=64, seed=1, steps=6)
    with pytest.raises(Cancelled, match="after step 2 of 6"):
        generate(request, cache, progress=lambda s, n, e: steps_seen.append(s),
                 should_cancel=lambda: len(steps_seen) >= 2)
    assert steps_seen == [1, 2]
    assert generate(request, cache).frames.shape[0] == 9


def test_remix_uses_the_source_video(cache, tmp_path):
    from sora_studio.core.media.encode import write_clip

    src = tmp_path / "src.mp4"
    write_clip(src, np.full((9, 64, 64, 3), 200, np.uint8), 16)
    out = generate(GenerationRequest(model_id="wan-tiny", prompt="make it night", video=str(src), strength=0.5,
                                     seconds=0.5, width=64, height=64, seed=2, steps=2), cache)
    assert out.recipe.pipeline == "WanVideoToVideoPipeline" and out.recipe.strength == 0.5
    assert len(out.recipe.inputs["video"]) == 64
    with pytest.raises(BadInput, match="strength only applies"):
        generate(GenerationRequest(model_id="wan-tiny", prompt="x", strength=0.5, seconds=0.5, steps=1), cache)


def test_audio_family_writes_audio(tiny_models, tmp_path):
    tiny_models.install("stable-audio")
    out = generate(GenerationRequest(model_id="stable-audio-tiny", prompt="rain on a tin roof", seconds=0.5, seed=3,
                                     steps=2))
    assert out.frames is None and out.audio.shape == (2, int(0.5 * out.sample_rate))
    write_output(out, tmp_path / "rain.mp4")
    with av.open(str(tmp_path / "rain.mp4")) as container:
        assert container.streams.audio
    with pytest.raises(BadInput, match="out of range"):
        generate(GenerationRequest(model_id="stable-audio-tiny", prompt="rain", seconds=600))


def test_image_to_video_reference_images_and_joint_audio_families(tiny_models, tmp_path):
    from PIL import Image

    for family in ("wan-i2v", "wan-vace", "ltx2"):
        tiny_models.install(family)
    image = tmp_path / "first.png"
    Image.new("RGB", (90, 70), (220, 40, 40)).save(image)
    i2v = generate(GenerationRequest(model_id="wan-i2v-tiny", prompt="the red card flips", image=str(image),
                                     seconds=0.5, width=64, height=64, seed=4, steps=2))
    assert i2v.recipe.pipeline == "WanImageToVideoPipeline" and "image" in i2v.recipe.inputs
    with pytest.raises(BadInput, match="give a first frame with --image"):
        generate(GenerationRequest(model_id="wan-i2v-tiny", prompt="x", seconds=0.5, steps=1))

    plain = generate(GenerationRequest(model_id="wan-vace-tiny", prompt="a person waves", seconds=0.5, width=64,
                                       height=64, seed=4, steps=2))
    referenced = generate(GenerationRequest(model_id="wan-vace-tiny", prompt="a person waves", seconds=0.5, width=64,
                                            height=64, seed=4, steps=2, reference_images=[str(image)]))
    assert referenced.frames.shape == plain.frames.shape == (9, 64, 64, 3)  # the reference frame is dropped
    assert np.abs(referenced.frames - plain.frames).max() > 1e-4  # ...but it conditioned the clip

    previews = []
    av_clip = generate(GenerationRequest(model_id="ltx2-tiny", prompt="a drummer", seconds=0.4, width=32, height=32,
                                         seed=4, steps=2), preview=lambda s, f: previews.append((s, len(f))))
    assert av_clip.frames.shape == (9, 32, 32, 3) and av_clip.audio.shape[0] == 2 and av_clip.sample_rate == 16000
    assert [s for s, _ in previews] == [1, 2]
    write_output(av_clip, tmp_path / "drums.mp4")
    with av.open(str(tmp_path / "drums.mp4")) as container:
        assert container.streams.video and container.streams.audio
