"""First+last frame (Wan FLF2V): the manifests, and the tiny FLF2V build loaded back through the real loader."""

import numpy as np
import pytest
from PIL import Image

from sora_studio.core.models.install import default_model_id
from sora_studio.core.models.loader import load_pipeline
from sora_studio.core.models.manifest import get_manifest, tiny_manifest_for_family


def test_flf2v_manifests_describe_the_real_model_and_its_tiny_twin():
    real = get_manifest("wan2.1-flf2v-14b-720p")
    assert real.repo == "Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers" and real.pipeline == "WanImageToVideoPipeline"
    assert set(real.capabilities) == {"i2v", "flf2v"} and real.last_frame_required and not real.tiny
    assert real.licence.name == "Apache-2.0" and not real.licence.flags
    assert (real.rules.default_width, real.rules.default_height, real.rules.max_frames) == (1280, 720, 81)
    tiny = tiny_manifest_for_family("wan-flf2v")
    assert tiny.id == "wan-flf2v-tiny" and tiny.family == real.family and tiny.capabilities == real.capabilities
    # a model that needs a last frame is never the default image-to-video model
    assert default_model_id("i2v") == "wan-i2v-tiny" and default_model_id("flf2v") == "wan-flf2v-tiny"


def test_tiny_flf2v_loads_through_the_real_loader_and_embeds_both_frames(tiny_models):
    entry = tiny_models.install("wan-flf2v")
    loaded = load_pipeline(entry.id)
    pipe = loaded.pipe
    assert type(pipe).__name__ == "WanImageToVideoPipeline"
    vision = pipe.image_encoder.config
    tokens = (vision.image_size // vision.patch_size) ** 2 + 1  # CLIP patches + class token
    assert pipe.transformer.config.pos_embed_seq_len == 2 * tokens == 514  # as the real FLF2V transformer
    first = Image.fromarray(np.full((32, 32, 3), 220, np.uint8))
    last = Image.fromarray(np.full((32, 32, 3), 30, np.uint8))
    out = pipe(image=first, last_image=last, prompt="a door opens", height=32, width=32, num_frames=5,
               num_inference_steps=1, output_type="np")
    assert out.frames[0].shape == (5, 32, 32, 3) and np.isfinite(out.frames[0]).all()
    # its transformer embeds two frames' tokens: a first frame alone does not fit it
    with pytest.raises(RuntimeError):
        pipe(image=first, prompt="a door opens", height=32, width=32, num_frames=5, num_inference_steps=1,
             output_type="np")
