"""Input files travel to remote workers as bytes and come back as the same content (same recipe hashes)."""

from __future__ import annotations

import pytest

from sora_studio.core.generation.request import GenerationRequest, file_sha256
from sora_studio.errors import BadInput
from sora_studio.farm.inputs import pack_inputs, unpack_inputs


def test_farm_inputs_round_trip_keeps_content(tmp_path):
    image = tmp_path / "first.png"
    image.write_bytes(b"\x89PNG fake image bytes")
    ref = tmp_path / "ref.jpg"
    ref.write_bytes(b"reference")
    last = tmp_path / "last.png"
    last.write_bytes(b"\x89PNG the last frame")
    request = GenerationRequest(prompt="x", image=str(image), last_image=str(last),
                                reference_images=[str(ref), str(ref)])
    packed = pack_inputs(request)
    assert sorted(packed) == ["image", "last_image", "reference/0", "reference/1"]
    remote = tmp_path / "remote"
    remote.mkdir()
    moved = unpack_inputs(request, packed, remote)
    assert moved.image.startswith(str(remote)) and moved.image.endswith(".png")
    assert file_sha256(moved.image) == file_sha256(image)
    assert moved.last_image.startswith(str(remote)) and file_sha256(moved.last_image) == file_sha256(last)
    assert [file_sha256(p) for p in moved.reference_images] == [file_sha256(ref)] * 2
    assert moved.prompt == "x" and request.image == str(image)  # the original is untouched


def test_farm_inputs_missing_file_is_bad_input(tmp_path):
    with pytest.raises(BadInput, match="does not exist"):
        pack_inputs(GenerationRequest(prompt="x", video=str(tmp_path / "gone.mp4")))
