"""The storyboard audio pass end to end: sync sound linked for a shot whose media has sound, ambience and
dialogue for a silent shot, then a mastered export (ducking + loudness) measured by the independent meter."""

import numpy as np
import pytest

from sora_studio.core.audio.mixdown import MasterMix, render_mix
from sora_studio.core.audio.placement import track_role, track_speaker
from sora_studio.core.audio.shot_audio import add_shot_audio
from sora_studio.core.export.render import render_timeline
from sora_studio.core.storyboard.generator import InProcessGenerator
from sora_studio.core.media.synth import write_index_video
from sora_studio.core.project.bundle import Project
from sora_studio.core.project.media_items import take_for_media
from sora_studio.core.storyboard.model import DialogueLine, Shot, Storyboard
from sora_studio.core.timeline.history import History
from sora_studio.core.timeline.model import NAMESPACE, Clip

RATE = 24


def _shot_clip(project, media, shot_id, start):
    """A picture-only clip tagged with its shot, as the storyboard run places them."""
    item = project.import_media(media)
    take = take_for_media(item, project.timeline.rate)
    clip = Clip(name=shot_id, start=start, duration=take.length, takes={"take1": take}, active_take="take1",
                metadata={NAMESPACE: {"kind": "video", "shot_id": shot_id, "media_id": item.id}})
    project.timeline.video_tracks()[0].clips.append(clip)
    return clip


def test_storyboard_audio_pass_and_mastered_export(tmp_path, tiny_models, audio_tools):
    tiny_models.install("stable-audio")
    project = Project.create(tmp_path / "sb", rate=RATE, width=160, height=96, session=False)
    talking = audio_tools.clap_flash_clip(tmp_path / "with-sound.mp4", [30], frames=72)
    silent = write_index_video(tmp_path / "silent.mp4", 96, fps=RATE)
    s1, s2 = Shot("a clap", seconds=3, id="s1"), Shot(
        "two friends on a roof", seconds=4, id="s2", sound="wind and distant traffic",
        dialogue=[DialogueLine("Ana", "Look at the lights."), DialogueLine("Ben", "Beautiful.")])
    storyboard = Storyboard([s1, s2])
    _shot_clip(project, talking, "s1", 0)
    _shot_clip(project, silent, "s2", 72)
    history = History(project.timeline)
    # ambience through a storyboard ShotGenerator (writes an MP4, as the engine worker does)
    report = add_shot_audio(project, storyboard, history, voices={"Ana": "en-gb+f2"},
                            shot_generator=InProcessGenerator())
    assert report.sync == ["s1"] and report.ambience == ["s2"] and report.dialogue_lines == 2
    assert report.voices["Ana"] == "en-gb+f2" and report.voices["Ben"]
    assert not list((project.media_dir / "generated" / "ambience").glob(".*"))  # no scratch files left
    roles = {track_role(t): t for t in project.timeline.audio_tracks() if t.clips}
    assert {"sync", "ambience", "dialogue"} <= set(roles)
    assert {track_speaker(t) for t in project.timeline.audio_tracks() if track_role(t) == "dialogue"} == {"Ana", "Ben"}
    sync_clip = roles["sync"].clips[0]
    video = project.timeline.video_tracks()[0].clips[0]
    assert sync_clip.link_group == video.link_group and (sync_clip.start, sync_clip.duration) == (0, 72)
    # the served master equals the rendered one, chunk by chunk (the export's drop-in for the compositor)
    full, _ = render_mix(project.timeline, project.resolve)
    master = MasterMix(project.timeline, project.resolve)
    chunks = [master.audio_samples(first, 48000) for first in range(0, full.shape[1], 48000)]
    np.testing.assert_array_equal(np.concatenate(chunks, axis=1)[:, : full.shape[1]], full)
    out = tmp_path / "story.mp4"
    result = render_timeline(project.timeline, project.resolve, out, audio_tools.small_preset())
    assert audio_tools.small_preset().loudness_lufs == -16
    assert result.mix.ducked_tracks == ["Ambience / SFX"]
    assert audio_tools.ffmpeg_loudness(out) == pytest.approx(-16, abs=1.0)
    assert len(history._undo) == 3  # sync link, ambience, dialogue: one undo step each
    while history.can_undo:
        history.undo()
    assert not any(t.clips for t in project.timeline.audio_tracks())


def test_the_storyboard_chooses_the_voice_engine_and_voices(tmp_path):
    """[settings] tts / voices reach the sound pass: the neural engine speaks, speakers get its voices."""
    from sora_studio.core.storyboard.toml_io import dumps_storyboard, loads_storyboard

    text = '''title = "Voices"
[settings]
tts = "tts-tiny"
voices = { Ana = "b" }
[[shot]]
id = "s1"
prompt = "two friends on a roof"
seconds = 4
dialogue = [{ speaker = "Ana", text = "Look." }, { speaker = "Old man", text = "Yes." }]
'''
    storyboard, _ = loads_storyboard(text)
    assert storyboard.settings.tts == "tts-tiny" and storyboard.settings.voices == {"Ana": "b"}
    again, _ = loads_storyboard(dumps_storyboard(storyboard))  # written back with quoted keys where needed
    assert again.settings.voices == {"Ana": "b"} and again.settings.tts == "tts-tiny"
    project = Project.create(tmp_path / "sb", rate=RATE, width=160, height=96, session=False)
    _shot_clip(project, write_index_video(tmp_path / "silent.mp4", 96, fps=RATE), "s1", 0)
    report = add_shot_audio(project, storyboard, History(project.timeline), ambience=False)
    assert report.dialogue_lines == 2 and report.voices["Ana"] == "b"
    from sora_studio.core.audio.tts import get_backend

    assert report.voices["Old man"] in {v.id for v in get_backend("tts-tiny").voices()}  # the engine's own voices
    with pytest.raises(Exception, match=r"storyboard:3: settings: tts 'nope' is not a known voice engine"):
        loads_storyboard(text.replace('"tts-tiny"', '"nope"'))
    with pytest.raises(Exception, match=r"voices is a table"):
        loads_storyboard(text.replace('{ Ana = "b" }', '"b"'))
