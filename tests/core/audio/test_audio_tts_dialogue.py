"""Dialogue through espeak-ng: voices, errors that list voices, lines placed at their offsets on one track per
speaker (checked by detecting speech onsets in the rendered tracks), and lines too long for their shot."""

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pytest

from sora_studio.core.audio.dialogue import assign_voices, place_dialogue, speak_lines, speech_onsets
from sora_studio.core.audio.mixdown import render_track
from sora_studio.core.audio.placement import track_role, track_speaker
from sora_studio.core.audio.tts import TTSRequest, get_backend
from sora_studio.core.project.bundle import Project
from sora_studio.core.timeline.model import Clip, Take
from sora_studio.errors import BadInput

RATE = 24


@dataclass
class Line:
    speaker: str
    text: str
    at: float | None = None


@pytest.fixture(scope="module")
def espeak():
    return get_backend("espeak-ng")


def test_voices_cover_several_languages_and_variants(espeak):
    ids = {v.id for v in espeak.voices()}
    assert {"en-us", "en-gb", "fr", "de", "es"} <= ids
    assert "f3" in espeak.variants()
    speech = espeak.synthesize(TTSRequest("Bonjour, comment allez-vous ?", "fr+f3"))
    assert speech.audio.shape[0] == 1 and 0.8 < speech.seconds < 4 and np.abs(speech.audio).max() > 0.05


def test_missing_voice_lists_the_available_ones(espeak):
    with pytest.raises(BadInput, match=r"no voice 'klingon'; available voices: .*en-us"):
        espeak.synthesize(TTSRequest("hello", "klingon"))
    with pytest.raises(BadInput, match="variant 'nobody'.*f3"):
        espeak.synthesize(TTSRequest("hello", "en-us+nobody"))
    with pytest.raises(BadInput, match="empty"):
        espeak.synthesize(TTSRequest("   ", "en-us"))
    with pytest.raises(BadInput, match="unknown TTS 'no-such-tts'"):
        get_backend("no-such-tts")


def test_faster_rate_is_shorter_and_a_voice_sample_is_reported_as_unused(espeak, tmp_path):
    slow = espeak.synthesize(TTSRequest("The quick brown fox jumps over the lazy dog.", "en-us", rate_wpm=120))
    fast = espeak.synthesize(TTSRequest("The quick brown fox jumps over the lazy dog.", "en-us", rate_wpm=240,
                                        voice_sample=tmp_path / "cameo.wav"))
    assert fast.seconds < 0.7 * slow.seconds
    assert any("cannot clone" in n for n in fast.notices)


def _project_with_shot(tmp_path, frames=96):
    project = Project.create(tmp_path / "talk", rate=RATE, width=160, height=96, session=False)
    shot = Clip(name="Shot 1", start=48, duration=frames, takes={"DEFAULT_MEDIA": Take("media/none.mp4", frames)})
    project.timeline.video_tracks()[0].clips.append(shot)
    return project, shot


def test_lines_land_at_their_offsets_on_one_track_per_speaker(tmp_path, espeak):
    project, shot = _project_with_shot(tmp_path, frames=8 * RATE)
    lines = [Line("Ana", "Did you hear that?"), Line("Ben", "It came from the roof."),
             Line("Ana", "Let's go and see.", at=5.5)]
    voices = assign_voices([ln.speaker for ln in lines], {"Ana": "en-us+f3"})
    assert voices["Ana"] == "en-us+f3" and voices["Ben"] != voices["Ana"]
    spoken, warnings = speak_lines(lines, 8.0, espeak, voices)
    assert warnings == [] and all(s.fits for s in spoken)
    assert spoken[1].offset_s == pytest.approx(spoken[0].offset_s + spoken[0].speech.seconds + 0.25)
    assert spoken[2].offset_s == 5.5
    edit, clips = place_dialogue(project, shot, spoken, shot_id="shot-1")
    edit.apply(project.timeline)
    tracks = {track_speaker(t): t for t in project.timeline.audio_tracks() if track_role(t) == "dialogue"}
    assert set(tracks) == {"Ana", "Ben"} and len(tracks["Ana"].clips) == 2 and len(tracks["Ben"].clips) == 1
    total = round(Fraction(project.timeline.duration, RATE) * 48000)
    shot_start_s = shot.start / RATE
    for speaker, expected in (("Ana", [spoken[0].offset_s, 5.5]), ("Ben", [spoken[1].offset_s])):
        audio = render_track(tracks[speaker], project.timeline, project.resolve, 0, total, 48000, {})
        found = [t - shot_start_s for t in speech_onsets(audio, 48000)]
        # a line starts on a frame boundary: within one frame (plus espeak's few ms of lead-in) of its offset
        assert found == pytest.approx(expected, abs=1 / RATE + 0.03), (speaker, found, expected)
    edit.revert(project.timeline)
    assert not any(track_role(t) == "dialogue" for t in project.timeline.audio_tracks())


def test_a_line_longer_than_its_shot_is_sped_up_then_cut_with_a_warning(tmp_path, espeak):
    project, shot = _project_with_shot(tmp_path, frames=RATE)  # a one-second shot
    text = "This sentence is far too long to be spoken inside a single second of film, however fast."
    spoken, warnings = speak_lines([Line("Ana", text)], 1.0, espeak, {"Ana": "en-us"})
    assert not spoken[0].fits and spoken[0].overrun_s > 0
    assert len(warnings) == 1 and "only 0.70 s of the shot remain" in warnings[0] and "Ana" in warnings[0]
    edit, clips = place_dialogue(project, shot, spoken)
    edit.apply(project.timeline)
    assert clips[0].end == shot.end  # cut at the shot's end, not spilling into the next shot
    _, overlap = speak_lines([Line("Ana", "One two three four."), Line("Ana", "Five.", at=0.4)], 9.0, espeak,
                             {"Ana": "en-us"})
    assert len(overlap) == 1 and "before their previous line ends" in overlap[0]
    with pytest.raises(BadInput, match="outside the 1 s shot"):
        speak_lines([Line("Ana", "hi", at=2.0)], 1.0, espeak, {"Ana": "en-us"})
    with pytest.raises(BadInput, match="no voice chosen for speaker 'Zed'"):
        speak_lines([Line("Zed", "hi")], 1.0, espeak, {"Ana": "en-us"})
