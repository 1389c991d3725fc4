from pathlib import Path

import pytest

from sora_studio.core.models.manifest import get_manifest, load_manifests, parse_manifest, tiny_manifest_for_family
from sora_studio.errors import BadInput

REQUIRED = {
    "wan2.1-t2v-1.3b": ("Wan-AI/Wan2.1-T2V-1.3B-Diffusers", "WanPipeline"),
    "wan2.1-t2v-14b": ("Wan-AI/Wan2.1-T2V-14B-Diffusers", "WanPipeline"),
    "wan2.2-ti2v-5b": ("Wan-AI/Wan2.2-TI2V-5B-Diffusers", "WanPipeline"),
    "wan2.1-i2v-14b-480p": ("Wan-AI/Wan2.1-I2V-14B-480P-Diffusers", "WanImageToVideoPipeline"),
    "wan2.1-vace-1.3b": ("Wan-AI/Wan2.1-VACE-1.3B-diffusers", "WanVACEPipeline"),
    "ltx-2": ("Lightricks/LTX-2", "LTX2Pipeline"),
    "stable-audio-open-1.0": ("stabilityai/stable-audio-open-1.0", "StableAudioPipeline"),
}


def test_shipped_manifests_cover_the_required_models():
    manifests = load_manifests()
    for model_id, (repo, pipeline) in REQUIRED.items():
        m = manifests[model_id]
        assert (m.repo, m.pipeline) == (repo, pipeline)
        assert m.revision  # "main" until a verified sha is pinned
        assert not m.tiny
    import diffusers

    for m in manifests.values():  # every pipeline class named exists in the installed diffusers
        assert hasattr(diffusers, m.pipeline), m.pipeline


def test_tiny_manifest_per_family_and_family_rules():
    for family in ("wan", "wan-i2v", "wan-vace", "ltx2", "stable-audio"):
        assert tiny_manifest_for_family(family).tiny
    wan = get_manifest("wan2.1-t2v-1.3b").rules
    assert (wan.frame_multiple, wan.frame_offset, wan.size_multiple, wan.native_fps) == (4, 1, 16, 16)
    ltx = get_manifest("ltx-2")
    assert ltx.rules.frame_multiple == 8 and ltx.rules.size_multiple == 32 and "audio" in ltx.capabilities


def test_restrictive_licences_are_flagged():
    flags = get_manifest("ltx-2").licence.flags
    assert "commercial use restricted" in flags and "outputs must keep watermark/provenance" in flags
    assert get_manifest("stable-audio-open-1.0").licence.requires_acceptance
    assert get_manifest("wan2.1-t2v-1.3b").licence.flags == []


def test_unknown_model_id_lists_known_ids():
    with pytest.raises(BadInput, match="unknown model 'no-such-model'.*wan2.1-t2v-1.3b"):
        get_manifest("no-such-model")


def test_malformed_manifest_is_bad_input(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\n[rules\n')
    with pytest.raises(BadInput, match="cannot read model manifest"):
        parse_manifest(bad)
    missing = tmp_path / "missing.toml"
    missing.write_text('id = "x"\n')
    with pytest.raises(BadInput, match="malformed"):
        parse_manifest(missing)
    caps = tmp_path / "caps.toml"
    caps.write_text('id = "x"\nfamily = "wan"\npipeline = "WanPipeline"\ncapabilities = ["telepathy"]\n')
    with pytest.raises(BadInput, match="unknown capabilities"):
        parse_manifest(caps)
