"""Mixing the master: ambience ducked under dialogue (sidechain), clip fades from metadata, and sources of
any layout (mono, 5.1) or with NaN samples mixed safely."""

import numpy as np
import pytest

from sora_studio.core.audio.ducking import DuckSettings, duck_gain
from sora_studio.core.audio.fades import SetClipFades, clip_fades, fade_envelope
from sora_studio.core.audio.mixdown import MixSettings, render_mix
from sora_studio.core.audio.placement import place_audio_clip
from sora_studio.core.media.synth import tone, write_audio_file
from sora_studio.core.project.bundle import Project
from sora_studio.core.timeline.model import Clip
from sora_studio.errors import BadInput

SR = 48000


def _db(x):
    return 20 * np.log10(np.sqrt(np.mean(np.square(x))) + 1e-12)


def test_duck_gain_follows_the_key_with_attack_and_release():
    key = np.zeros((1, 4 * SR), np.float32)
    key[0, SR: 2 * SR] = tone(1, 300, channels=1, level=0.3)[0]  # speech from 1 s to 2 s
    gain_db = 20 * np.log10(duck_gain(key, SR, DuckSettings(depth_db=12, release_ms=300)))
    assert gain_db[: int(0.8 * SR)].max() > -0.1  # untouched before (look-ahead is only 60 ms)
    assert gain_db[int(1.3 * SR): int(1.9 * SR)] == pytest.approx(-12, abs=0.3)  # fully down under speech
    assert -12.5 < gain_db[int(1.0 * SR)] < -3  # already going down at the first syllable (look-ahead)
    assert gain_db[int(3.8 * SR):].min() > -0.5  # back up after the release
    assert np.abs(np.diff(gain_db)).max() < 0.05  # smooth: no zipper steps between samples
    assert np.all(duck_gain(np.zeros((2, SR)), SR) == 1.0)


def test_fades_from_metadata_and_their_edit():
    clip = Clip("c", start=10, duration=48, metadata={"sora_studio": {"fade_in": 12, "fade_out": 24,
                                                                       "fade_curve": "linear"}})
    assert clip_fades(clip) == (12, 24, "linear")
    env = fade_envelope(clip, 24, 0, 2 * SR, SR)
    assert env[0] == 0 and env[SR // 4] == pytest.approx(0.5, abs=1e-3) and env[SR // 2 + 10] == 1.0
    assert env[-1] == pytest.approx(1 / SR, abs=1e-3) and env[int(1.5 * SR)] == pytest.approx(0.5, abs=1e-3)
    assert fade_envelope(Clip("plain", 0, 10), 24, 0, 100, SR) is None
    overlapping = Clip("o", 0, 10, metadata={"sora_studio": {"fade_in": 10, "fade_out": 10}})
    assert sum(clip_fades(overlapping)[:2]) <= 10
    with pytest.raises(BadInput, match="fade in"):
        SetClipFades(["x"], fade_in=-3)
    with pytest.raises(BadInput, match="curve"):
        SetClipFades(["x"], curve="cubic")


@pytest.fixture
def scene(tmp_path):
    """Speech-like dialogue over a constant ambience bed (mono speech, 5.1 ambience)."""
    project = Project.create(tmp_path / "mix", rate=24, width=64, height=64, session=False)
    speech = np.zeros((1, 4 * SR), np.float32)
    speech[0, SR: 2 * SR] = tone(1, 250, channels=1, level=0.4)[0]
    bed = np.repeat(0.1 * np.random.default_rng(1).standard_normal((1, 4 * SR)).astype(np.float32), 6, axis=0)
    for name, audio, role in (("speech.wav", speech, "dialogue"), ("bed.wav", bed, "ambience")):
        item = project.import_media(write_audio_file(tmp_path / name, audio, SR, codec="pcm_s16le"))
        edit, _ = place_audio_clip(project.timeline, item, role, start=0, speaker="Ana" if role == "dialogue" else None)
        edit.apply(project.timeline)
    return project


def test_ambience_is_ducked_under_dialogue_in_the_master(scene):
    project = scene
    plain, _ = render_mix(project.timeline, project.resolve, settings=MixSettings(target_lufs=None, ducking=False))
    ducked, report = render_mix(project.timeline, project.resolve, settings=MixSettings(target_lufs=None))
    assert report.ducked_tracks == ["Ambience / SFX"]
    # before speech the mixes match; well after it the bed is back within 0.5 dB (release tail)
    np.testing.assert_allclose(ducked[:, : int(0.8 * SR)], plain[:, : int(0.8 * SR)], atol=1e-5)
    assert _db(ducked[:, int(3.5 * SR):]) == pytest.approx(_db(plain[:, int(3.5 * SR):]), abs=0.5)
    window = slice(int(1.4 * SR), int(1.9 * SR))
    dialogue = project.timeline.audio_tracks()[-2]
    dialogue.muted = True
    bed_plain, _ = render_mix(project.timeline, project.resolve, settings=MixSettings(target_lufs=None, ducking=False))
    dialogue.muted = False
    speech_part = plain[:, window] - bed_plain[:, window]
    bed_under_speech = ducked[:, window] - speech_part
    assert _db(bed_under_speech) - _db(bed_plain[:, window]) == pytest.approx(-12, abs=0.5)


def test_fades_mono_surround_and_nan_sources_in_the_mix(scene, tmp_path):
    project = scene
    bed_clip = project.timeline.audio_tracks()[-1].clips[0]
    SetClipFades([bed_clip.id], fade_in=24, fade_out=24).apply(project.timeline)
    for track in project.timeline.audio_tracks()[:-1]:
        track.muted = True
    mixed, _ = render_mix(project.timeline, project.resolve, settings=MixSettings(target_lufs=None))
    assert _db(mixed[:, :2400]) < _db(mixed[:, 2 * SR: 2 * SR + 2400]) - 20  # faded in from silence
    assert _db(mixed[:, -2400:]) < _db(mixed[:, 2 * SR: 2 * SR + 2400]) - 20  # and out to it
    assert mixed.shape[0] == 2 and abs(_db(mixed[0]) - _db(mixed[1])) < 0.5  # 5.1 folded evenly to stereo
    broken = np.full((2, SR), np.nan, np.float32)
    broken[:, : SR // 2] = 0.2
    item = project.import_media(write_audio_file(tmp_path / "nan.wav", broken, SR, codec="pcm_f32le"))
    edit, clip = place_audio_clip(project.timeline, item, "music", start=0)
    edit.apply(project.timeline)
    mixed, report = render_mix(project.timeline, project.resolve, settings=MixSettings(target_lufs=None))
    assert np.isfinite(mixed).all()
    assert any(clip.id in w and "NaN" in w for w in report.warnings)
