import pytest

from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.generation.policy import check_request
from sora_studio.core.generation.rules import check_prompt, frames_for_seconds, snap_size, valid_frame_counts
from sora_studio.core.models.manifest import FamilyRules, get_manifest
from sora_studio.errors import BadInput, Refused

WAN = get_manifest("wan2.1-t2v-1.3b").rules
LTX = get_manifest("ltx-2").rules


def test_sizes_snap_to_the_family_multiple_with_a_notice():
    notices = []
    assert snap_size(832, 480, WAN, notices) == (832, 480) and notices == []
    assert snap_size(850, 470, WAN, notices) == (848, 464)
    assert "rounded to 848x464" in notices[0] and "multiples of 16" in notices[0]
    assert snap_size(700, 500, LTX, []) == (704, 512)
    with pytest.raises(BadInput, match="out of range"):
        snap_size(0, 480, WAN, [])
    with pytest.raises(BadInput, match="out of range"):
        snap_size(100000, 480, WAN, [])


def test_frame_counts_follow_4k_plus_1_and_8k_plus_1():
    notices = []
    assert frames_for_seconds(5.0, 16, WAN, notices) == 81  # 80 frames -> 81
    assert "rounded to 81" in notices[0]
    assert frames_for_seconds(2.0, 16, WAN, []) == 33
    assert frames_for_seconds(0.01, 16, WAN, []) == 1
    assert frames_for_seconds(5.0, 24, LTX, []) == 121  # 120 -> 8*15+1
    for n in (frames_for_seconds(s / 10, 16, WAN, []) for s in range(1, 51)):
        assert (n - 1) % 4 == 0 and n <= WAN.max_frames
    assert valid_frame_counts(FamilyRules(frame_multiple=4, frame_offset=1, max_frames=13)) == [1, 5, 9, 13]


def test_absurd_durations_and_prompts_are_refused():
    with pytest.raises(BadInput, match="not positive"):
        frames_for_seconds(0, 16, WAN, [])
    with pytest.raises(BadInput, match="too long for this model: at most 5.06 s"):
        frames_for_seconds(3600, 16, WAN, [])
    with pytest.raises(BadInput, match="prompt is empty"):
        check_prompt("   \n")
    with pytest.raises(BadInput, match="keep it under"):
        check_prompt("x" * 5000)


def test_check_request_seam_validates_inputs_against_capabilities():
    check_request(GenerationRequest(model_id="wan-tiny", prompt="a cat"))
    with pytest.raises(BadInput, match="unknown model"):
        check_request(GenerationRequest(model_id="nope", prompt="a cat"))
    with pytest.raises(BadInput, match="cannot start from an image"):
        check_request(GenerationRequest(model_id="wan-tiny", prompt="a cat", image="x.png"))
    with pytest.raises(BadInput, match="reference images"):
        check_request(GenerationRequest(model_id="wan-tiny", prompt="a cat", reference_images=["a.png"]))
    with pytest.raises(Refused, match="cannot show a cameo.*wan2.1-vace-1.3b"):
        check_request(GenerationRequest(model_id="wan-tiny", prompt="a cat", cameos=["alice"]))


def test_request_and_recipe_round_trip_dicts():
    req = GenerationRequest(model_id="wan-tiny", prompt="p", seconds=1.0, seed=3)
    assert GenerationRequest.from_dict({**req.to_dict(), "future_field": 1}) == req
