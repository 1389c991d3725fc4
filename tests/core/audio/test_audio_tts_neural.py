"""The neural TTS seam: manifests in models/tts, a tiny random-weight VITS loaded through from_pretrained,
several voices, and the errors a user meets (unknown voice, voice not installed, pickled weights, licence)."""

import numpy as np
import pytest

from sora_studio.core.audio.dialogue import place_dialogue, speak_lines
from sora_studio.core.audio.tts import TTSRequest, available_backends, get_backend
from sora_studio.core.audio.tts.neural import import_voice, tts_manifests
from sora_studio.core.project.bundle import Project
from sora_studio.core.timeline.model import Clip, Take
from sora_studio.errors import BadInput, Refused


def test_shipped_manifests():
    manifests = tts_manifests()
    mms = manifests["mms-tts"]
    assert {"en", "de", "fr", "es"} <= set(mms.voices) and mms.voices["de"].repo == "facebook/mms-tts-deu"
    assert not mms.commercial_use and not mms.can_clone
    assert manifests["tts-tiny"].tiny
    assert available_backends()[0] == "espeak-ng"


def test_tiny_vits_speaks_with_two_voices_through_from_pretrained(tmp_path):
    tts = get_backend("tts-tiny")
    assert [v.id for v in tts.voices()] == ["a", "b"]
    a = tts.synthesize(TTSRequest("hello there", "a"))
    again = tts.synthesize(TTSRequest("hello there", "a"))
    b = tts.synthesize(TTSRequest("hello there", "b", voice_sample=tmp_path / "cameo.wav"))
    assert a.sample_rate == 16000 and a.audio.shape[0] == 1 and a.audio.shape[1] > 1000
    np.testing.assert_array_equal(a.audio, again.audio)  # seeded: the same line gives the same take
    assert not np.array_equal(a.audio[:, : b.audio.shape[1]], b.audio[:, : a.audio.shape[1]])
    assert any("cannot clone" in n for n in b.notices) and any("noise" in n for n in a.notices)
    with pytest.raises(BadInput, match=r"no voice 'c'; available voices: a, b"):
        tts.synthesize(TTSRequest("hello", "c"))
    # the same dialogue pass works with a neural backend
    project = Project.create(tmp_path / "p", rate=24, width=64, height=64, session=False)
    shot = Clip(name="s", start=0, duration=72, takes={"DEFAULT_MEDIA": Take("media/x.mp4", 72)})
    project.timeline.video_tracks()[0].clips.append(shot)
    spoken, _ = speak_lines([type("L", (), {"speaker": "Ana", "text": "hi there"})()], 3.0, tts, {"Ana": "b"})
    edit, clips = place_dialogue(project, shot, spoken, tts_name="tts-tiny")
    edit.apply(project.timeline)
    assert clips[0].metadata["sora_studio"]["tts"] == "tts-tiny"


def test_real_voice_not_installed_and_bad_folders(tmp_path):
    tts = get_backend("mms-tts")
    with pytest.raises(BadInput, match="voice 'en' of mms-tts is not installed"):
        tts.synthesize(TTSRequest("hello", "en"))
    with pytest.raises(Refused, match="non-commercial"):
        import_voice("mms-tts", "en", tmp_path)
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (pickled / "pytorch_model.bin").write_bytes(b"\x80\x04")
    with pytest.raises(BadInput, match="pickled"):
        import_voice("mms-tts", "en", pickled, accept_licence=True)
    with pytest.raises(BadInput, match="no voice 'xx'"):
        import_voice("mms-tts", "xx", pickled, accept_licence=True)
