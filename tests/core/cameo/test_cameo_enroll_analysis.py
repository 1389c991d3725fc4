"""Enrollment analysis on synthetic clips: genuine passes; each attack fails with the right reason."""

from __future__ import annotations

import numpy as np
import pytest

from sora_studio.core.cameo import synthetic as syn
from sora_studio.core.cameo.capture import Frame, VideoSource
from sora_studio.core.cameo.enroll import analyse_frames, analyse_recording, parse_challenges, random_challenges
from sora_studio.errors import BadInput, StudioError

PHRASE = "the silver tiger carries five lanterns"
WRONG_PHRASE = "the golden castle opens two apples"


def test_genuine_clip_with_spoken_phrase_passes(clips):
    result = analyse_recording(clips.genuine, challenges=["left", "up"], phrase=PHRASE)
    assert result.passed, result.reasons
    assert [e["direction"] for e in result.liveness["events"]] == ["left", "up"]
    assert result.liveness["metrics"]["planar_residual"] > 0.02  # a head, not a plane
    assert result.mouth_movement is not None and result.mouth_movement > 0.03
    assert result.speech["heard"] == PHRASE
    assert set(result.crops) == {"front", "left", "up"}
    assert all(png.startswith(b"\x89PNG") for png in result.crops.values())
    assert result.voice_wav is not None and result.voice_wav.startswith(b"RIFF")
    assert result.capture == "recorded"


def test_turns_in_the_wrong_order_fail(clips):
    result = analyse_recording(clips.genuine, challenges=["up", "left"])
    assert not result.passed
    assert any("wrong order" in r for r in result.reasons)
    assert not result.input_problem


def test_missing_turn_fails(clips):
    result = analyse_recording(clips.genuine, challenges=["left", "up", "right"])
    assert not result.passed and any("right" in r and "did not see" in r for r in result.reasons)


def test_flat_photo_tilted_in_front_of_the_camera_fails(clips):
    result = analyse_recording(clips.flat, challenges=["left", "up"])
    assert not result.passed
    assert any("flat picture" in r for r in result.reasons), result.reasons
    assert result.liveness["metrics"]["planar_residual"] < 0.02


def test_frozen_video_fails(clips):
    result = analyse_recording(clips.frozen, challenges=["left", "up"])
    assert not result.passed and any("frozen" in r for r in result.reasons)


def test_looped_live_frames_fail(clips):
    looped = syn.looped_clip(clips.frames, 15)
    frames = [Frame(i, i / 15, f) for i, f in enumerate(looped)]
    result = analyse_frames(frames, 15, challenges=["left", "up"], capture="live")
    assert not result.passed and any("repeats" in r for r in result.reasons), result.reasons


def test_wrong_phrase_fails_and_says_what_was_heard(clips):
    result = analyse_recording(clips.genuine, challenges=["left", "up"], phrase=WRONG_PHRASE)
    assert not result.passed
    assert any("did not match" in r and PHRASE in r for r in result.reasons), result.reasons


def test_phrase_from_a_separate_audio_file(clips, tmp_path):
    import soundfile as sf

    wav = tmp_path / "phrase.wav"
    sf.write(wav, np.concatenate([np.zeros(8000), clips.speech, np.zeros(8000)]), 16000)
    result = analyse_recording(clips.genuine, audio=wav, challenges=["left", "up"], phrase=PHRASE)
    assert result.passed, result.reasons
    assert result.mouth_movement is None  # separate audio: no lip-sync check possible


def test_still_mouth_while_the_phrase_plays_fails(clips):
    result = analyse_recording(clips.dubbed, challenges=["left", "up"], phrase=PHRASE)
    assert not result.passed and any("mouth did not move" in r for r in result.reasons), result.reasons


@pytest.mark.parametrize(("clip", "words"), [("dark", "too dark"), ("no_face", "no face"), ("two_faces", "more than one face")])
def test_unusable_media_gives_a_clear_input_error(clips, clip, words):
    result = analyse_recording(getattr(clips, clip), challenges=["left", "up"])
    assert not result.passed and result.input_problem
    assert any(words in r for r in result.reasons), result.reasons


def test_pet_clip_needs_no_face(clips):
    result = analyse_recording(clips.pet, kind="pet")
    assert result.passed, result.reasons
    assert sorted(result.crops) == ["clip_0", "clip_1", "clip_2"]


def test_bad_files_and_arguments(tmp_path, clips):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 50)
    with pytest.raises(BadInput):
        analyse_recording(broken, challenges=["left"])
    with pytest.raises(BadInput):
        analyse_recording(tmp_path / "missing.mp4", challenges=["left"])
    with pytest.raises(BadInput):
        parse_challenges("left,sideways")
    with pytest.raises(BadInput):
        analyse_recording(clips.frozen, challenges=["left"], phrase=PHRASE)  # no sound track
    turns = random_challenges(3)
    assert len(set(turns)) == 3 and set(turns) <= {"left", "right", "up", "down"}


def test_no_camera_is_a_clear_error():
    with pytest.raises(StudioError, match="no camera/microphone found"):
        VideoSource(7)
