import json
import shutil
from pathlib import Path

import pytest

from sora_studio.core.models.install import (
    check_disk_space, default_model_id, import_folder, list_models, pull, resolve_installed,
)
from sora_studio.core.models.manifest import get_manifest
from sora_studio.core.models.registry import ModelRegistry
from sora_studio.core.models.verify import ALLOW_PATTERNS, IGNORE_PATTERNS, verify_model_folder
from sora_studio.errors import BadInput, Refused, StudioError


@pytest.fixture
def wan_copy(tiny_models, tmp_path) -> Path:
    dst = tmp_path / "wan-copy"
    shutil.copytree(tiny_models.path("wan"), dst)
    return dst


def test_import_registers_and_list_shows_it(wan_copy):
    entry = import_folder("wan-tiny", wan_copy)
    assert entry.path == str(wan_copy.resolve()) and entry.size_bytes > 0
    rows = {r["id"]: r for r in list_models()}
    assert rows["wan-tiny"]["installed"] and rows["wan-tiny"]["produces_noise"]
    assert not rows["wan2.1-t2v-1.3b"]["installed"]
    assert json.loads(ModelRegistry().path.read_text())["models"]["wan-tiny"]["source"] == "tiny"


@pytest.mark.parametrize("name", ["transformer/diffusion_pytorch_model.bin", "vae/model.ckpt", "extra.pkl", "te.pt"])
def test_pickled_weights_are_refused(wan_copy, name):
    (wan_copy / name).write_bytes(b"\x80\x04not really a pickle")
    with pytest.raises(BadInput, match="pickled weights"):
        import_folder("wan-tiny", wan_copy)
    assert ModelRegistry().get("wan-tiny") is None


def test_missing_component_and_truncated_weights_are_clear_errors(wan_copy):
    shutil.rmtree(wan_copy / "vae")
    with pytest.raises(BadInput, match="missing component folder.*vae"):
        verify_model_folder(wan_copy)


def test_truncated_safetensors_is_refused(wan_copy):
    shard = next((wan_copy / "transformer").glob("*.safetensors"))
    shard.write_bytes(shard.read_bytes()[:6])
    with pytest.raises(BadInput, match="truncated"):
        verify_model_folder(wan_copy)


def test_wrong_pipeline_class_is_refused(wan_copy):
    with pytest.raises(BadInput, match="holds a WanPipeline pipeline; expected LTX2Pipeline"):
        import_folder("ltx2-tiny", wan_copy)


def test_restricted_licence_needs_acceptance_which_is_recorded(tiny_models, tmp_path):
    # an LTX-2 folder: use the tiny LTX-2 build as the local copy of "ltx-2"
    folder = tiny_models.path("ltx2")
    with pytest.raises(Refused, match="(?s)LTX-2 Community License.*--accept-licence"):
        import_folder("ltx-2", folder)
    entry = import_folder("ltx-2", folder, accept_licence=True)
    assert entry.licence_accepted["licence"] == "LTX-2 Community License"
    assert entry.licence_accepted["at"][:4].isdigit()
    assert ModelRegistry().get("ltx-2").licence_accepted == entry.licence_accepted


def test_pull_downloads_only_safe_patterns_verifies_and_records_sha(tiny_models, tmp_path, monkeypatch):
    """The hub cannot be reached here: a local downloader stands in for snapshot_download's network part."""
    from dataclasses import replace

    import sora_studio.core.models.install as install

    real = install.get_manifest("wan2.1-t2v-1.3b")
    monkeypatch.setattr(install, "get_manifest", lambda _id: replace(real, size_gb=0.001))  # this disk is small
    calls = {}
    sha = "0123456789abcdef0123456789abcdef01234567"

    def local_snapshot(**kwargs):
        calls.update(kwargs)
        dst = Path(kwargs["cache_dir"]) / "models--x" / "snapshots" / sha
        shutil.copytree(tiny_models.path("wan"), dst)
        return str(dst)

    entry = pull("wan2.1-t2v-1.3b", cache_dir=tmp_path / "hub", downloader=local_snapshot)
    assert calls["repo_id"] == "Wan-AI/Wan2.1-T2V-1.3B-Diffusers" and calls["revision"] == "main"
    assert calls["allow_patterns"] == ALLOW_PATTERNS and "*.bin" in calls["ignore_patterns"]
    assert not any(p.endswith((".bin", ".pt", ".ckpt", ".pth", ".pkl")) for p in ALLOW_PATTERNS)
    assert set(IGNORE_PATTERNS) >= {"*.bin", "*.pt", "*.ckpt", "*.pth", "*.pkl"}
    assert entry.revision == sha and entry.source == "pull"
    assert default_model_id() == "wan2.1-t2v-1.3b"


def test_pull_refuses_tiny_and_unaccepted_licence():
    with pytest.raises(BadInput, match="built-in tiny model"):
        pull("wan-tiny")
    with pytest.raises(Refused, match="accept-licence"):
        pull("stable-audio-open-1.0")


def test_disk_space_check_refuses_what_cannot_fit(tmp_path):
    huge = get_manifest("wan2.1-t2v-14b")
    from dataclasses import replace

    with pytest.raises(StudioError, match="not enough disk space"):
        check_disk_space(tmp_path, replace(huge, size_gb=1e9))
    check_disk_space(tmp_path, replace(huge, size_gb=0.001))


def test_uninstalled_real_model_says_how_to_install():
    with pytest.raises(BadInput, match="models pull wan2.1-t2v-14b"):
        resolve_installed("wan2.1-t2v-14b")
    assert default_model_id() == "wan-tiny"


def test_default_model_falls_back_to_a_tiny_model_with_the_capability():
    assert default_model_id("t2v") == "wan-tiny"
    assert default_model_id("i2v") == "wan-i2v-tiny"
    assert default_model_id("audio") in ("ltx2-tiny", "stable-audio-tiny")
