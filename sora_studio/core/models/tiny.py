"""Tiny offline models: the real diffusers pipeline classes with a few thousand random weights.

They produce noise, not video. They exist so that every path of the studio (loading through the same
from_pretrained code as real models, the step loop, previews, cancel, encoding) runs offline in CI.
Builds are seeded, so two builds of a family are identical.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import torch

from sora_studio.errors import BadInput

FAMILIES = ("wan", "wan-i2v", "wan-flf2v", "wan-vace", "ltx2", "stable-audio")

_CORPUS = [
    "a cat walks along the beach at sunset",
    "a red car drives through a rainy city at night",
    "the quick brown fox jumps over the lazy dog",
    "two people talk in a kitchen, warm light, close up",
    "drone shot over snowy mountains and a frozen lake",
    "ocean waves crash on black rocks, slow motion",
]


def _unigram_vocab(size: int, specials: list[str]) -> list[tuple[str, float]]:
    """Train a small Unigram vocabulary offline (no hub download)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=size, special_tokens=specials, unk_token="<unk>",
                                      show_progress=False)
    tok.train_from_iterator(_CORPUS * 4, trainer)
    return [tuple(item) for item in json.loads(tok.to_str())["model"]["vocab"]]


def _t5_tokenizer():
    from transformers import T5Tokenizer

    return T5Tokenizer(vocab=_unigram_vocab(96, ["<pad>", "</s>", "<unk>"]), extra_ids=0, model_max_length=128)


def _wan_parts(transformer_cls=None, **transformer_extra) -> dict:
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanTransformer3DModel
    from transformers import UMT5Config, UMT5EncoderModel

    tokenizer = _t5_tokenizer()
    text_encoder = UMT5EncoderModel(
        UMT5Config(vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
                   relative_attention_num_buckets=8, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    )
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    cls = transformer_cls or WanTransformer3DModel
    transformer = cls(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16,
                      out_channels=16, text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
                      qk_norm="rms_norm_across_heads", rope_max_seq_len=32, **transformer_extra)
    return {"tokenizer": tokenizer, "text_encoder": text_encoder, "vae": vae, "transformer": transformer,
            "scheduler": FlowMatchEulerDiscreteScheduler(shift=3.0)}


def _build_wan():
    from diffusers import WanPipeline

    return WanPipeline(**_wan_parts())


def _build_wan_i2v(first_last: bool = False):
    from diffusers import WanImageToVideoPipeline
    from transformers import CLIPVisionConfig, CLIPVisionModel
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    # The Wan I2V transformer takes image tokens (image_dim) and 36 input channels (16 noise + 20 condition).
    from diffusers import WanTransformer3DModel

    parts = _wan_parts()
    # CLIP at 16 px with 1 px patches: 256 patch tokens + the class token = 257 image tokens, as the real encoder.
    # First+last frame (FLF2V): both frames' tokens go in together, with a learned position embedding over
    # the 2 x 257 = 514 tokens (`pos_embed_seq_len`), as in Wan2.1-FLF2V-14B-720P.
    first_last_extra = {"pos_embed_seq_len": 2 * 257} if first_last else {}
    parts["transformer"] = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=36, out_channels=16,
        text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
        image_dim=4, rope_max_seq_len=32, **first_last_extra,
    )
    size = 16 if first_last else 32
    image_encoder = CLIPVisionModel(
        CLIPVisionConfig(hidden_size=4, num_hidden_layers=2, num_attention_heads=2, image_size=size,
                         intermediate_size=16, patch_size=1)
    )
    image_processor = CLIPImageProcessorPil(crop_size=size, size=size)
    return WanImageToVideoPipeline(image_encoder=image_encoder, image_processor=image_processor, **parts)


def _build_wan_flf2v():
    return _build_wan_i2v(first_last=True)


def _build_wan_vace():
    from diffusers import WanVACEPipeline, WanVACETransformer3DModel

    parts = _wan_parts(WanVACETransformer3DModel, vace_layers=[0], vace_in_channels=96)
    return WanVACEPipeline(**parts)


_BUILDERS: dict[str, Callable[[], object]] = {
    "wan": _build_wan,
    "wan-i2v": _build_wan_i2v,
    "wan-flf2v": _build_wan_flf2v,
    "wan-vace": _build_wan_vace,
}


def register_builder(family: str, builder: Callable[[], object]) -> None:
    _BUILDERS[family] = builder


def build_tiny(directory: str | Path, family: str = "wan", seed: int = 0) -> Path:
    """Build the tiny pipeline of `family` into `directory` (safetensors via save_pretrained); return it."""
    _ensure_optional_builders()
    if family not in _BUILDERS:
        raise BadInput(f"unknown tiny family {family!r}; choose one of: {', '.join(FAMILIES)}")
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BadInput(f"{directory} is not empty; choose a new folder for the tiny model")
    torch.manual_seed(seed)
    pipe = _BUILDERS[family]()
    directory.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(str(directory), safe_serialization=True)
    (directory / "SORA_STUDIO_TINY.txt").write_text(
        f"Tiny random-weight {family} pipeline built by Sora Studio (seed {seed}). It produces noise.\n"
    )
    return directory


def _ensure_optional_builders() -> None:
    if "ltx2" not in _BUILDERS:
        try:
            from sora_studio.core.models import tiny_ltx2  # noqa: F401  (registers itself)
        except ImportError:
            pass
    if "stable-audio" not in _BUILDERS:
        try:
            from sora_studio.core.models import tiny_audio  # noqa: F401  (registers itself)
        except ImportError:
            pass
