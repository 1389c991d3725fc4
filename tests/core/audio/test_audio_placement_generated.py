"""Generated sound onto the timeline with the real tiny pipelines: LTX-2's joint audio as a linked sync clip
that follows its picture, Stable Audio ambience as long as its shot, and bad model audio made safe."""

from fractions import Fraction

import numpy as np

from sora_studio.core.audio.ambience import make_ambience
from sora_studio.core.audio.conform import conform_output
from sora_studio.core.audio.placement import place_generated_clip, track_role
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.generation.runner import ModelCache, generate, write_output
from sora_studio.core.media.decode import read_audio
from sora_studio.core.media.probe import probe
from sora_studio.core.project.bundle import Project
from sora_studio.core.timeline.edits import MoveClips, SplitClips, TrimClip
from sora_studio.core.timeline.history import History

RATE = 24


def test_ltx2_audio_lands_linked_on_a_sync_track_and_follows_its_video(tmp_path, tiny_models):
    tiny_models.install("ltx2")
    output = generate(GenerationRequest(model_id="ltx2-tiny", prompt="a door slams", seconds=1.0, seed=3, steps=1),
                      cache=ModelCache())
    assert output.audio is not None and output.frames is not None
    raw_seconds = output.audio.shape[-1] / output.sample_rate
    assert abs(raw_seconds - len(output.frames) / output.fps) < 2 / output.fps  # the model's sound spans its video
    warnings = conform_output(output)  # 48 kHz stereo, exactly as long as the frames
    seconds = len(output.frames) / output.fps
    assert output.sample_rate == 48000 and output.audio.shape == (2, round(seconds * 48000))
    assert all("NaN" not in w for w in warnings)
    media = tmp_path / "gen.mp4"
    write_output(output, media)
    info = probe(media)
    assert info.has_audio and info.sample_rate == 48000 and info.channels == 2
    project = Project.create(tmp_path / "p", rate=RATE, width=64, height=64, session=False)
    history = History(project.timeline)
    item = project.import_media(media)
    history.do(place_generated_clip(project, item, at=12, metadata={"shot_id": "s1"}))
    video = project.timeline.video_tracks()[0].clips[0]
    sync = [t for t in project.timeline.audio_tracks() if track_role(t) == "sync"]
    assert len(sync) == 1 and len(sync[0].clips) == 1
    sound = sync[0].clips[0]
    assert (sound.start, sound.duration, sound.link_group) == (12, video.duration, video.link_group)
    assert video.link_group is not None and sound.metadata["sora_studio"]["shot_id"] == "s1"
    decoded = read_audio(project.resolve(sound.take.url), 0, seconds)
    assert decoded.shape[1] == round(seconds * 48000)
    # editing the picture edits its sound: move, trim, split
    history.do(MoveClips([video.id], 5))
    history.do(TrimClip(video.id, "out", -4))
    history.do(SplitClips(25, [video.id]))
    pairs = sorted((c.start, c.duration, c.source_in) for c in project.timeline.video_tracks()[0].clips)
    assert sorted((c.start, c.duration, c.source_in) for c in sync[0].clips) == pairs
    for _ in range(4):
        history.undo()
    assert not project.timeline.video_tracks()[0].clips and not any(track_role(t) == "sync"
                                                                     for t in project.timeline.audio_tracks())


def test_stable_audio_ambience_fills_its_shot_on_the_ambience_track(tmp_path, tiny_models):
    tiny_models.install("stable-audio")
    project = Project.create(tmp_path / "amb", rate=RATE, width=64, height=64, session=False)
    from sora_studio.core.timeline.model import Clip, Take

    shot = Clip(name="Shot 1", start=24, duration=61, takes={"DEFAULT_MEDIA": Take("media/none.mp4", 61)})
    project.timeline.video_tracks()[0].clips.append(shot)
    cache = ModelCache()
    result = make_ambience(project, shot, "rain on a tin roof, distant thunder", seed=1, shot_id="s1",
                           generate=lambda request: generate(request, cache=cache))
    result.edit.apply(project.timeline)
    track = next(t for t in project.timeline.audio_tracks() if track_role(t) == "ambience")
    bed = track.clips[0]
    assert (bed.start, bed.duration) == (shot.start, shot.duration)
    assert bed.link_group is not None and bed.link_group == project.timeline.find_clip(shot.id)[1].link_group
    assert bed.take.metadata["sora_studio"]["recipe"]["model_id"] == "stable-audio-tiny"
    assert any("looped" in w for w in result.warnings)  # the tiny model makes at most 1 s; the shot is 2.5 s
    seconds = float(Fraction(shot.duration, RATE))
    audio = read_audio(result.path, 0, seconds)
    assert np.abs(audio[:, -4800:]).max() > 0  # sound right to the shot's end, not padding
    MoveClips([shot.id], 10).apply(project.timeline)
    assert track.clips[0].start == shot.start + 10  # the bed follows its shot


def test_bad_model_audio_is_reported_and_made_safe():
    from sora_studio.core.audio.conform import conform_audio, fit_length

    nan = np.full((2, 16000), np.nan, np.float32)
    out = conform_audio(nan, 16000, 1.0)
    assert out.audio.shape == (2, 48000) and not out.audio.any() and out.silent
    assert any("NaN" in w and "replaced by silence" in w for w in out.warnings)
    surround = np.random.default_rng(0).uniform(-0.5, 0.5, (6, 4800)).astype(np.float32)
    folded = conform_audio(surround, 48000)
    assert folded.audio.shape == (2, 4800) and any("6 channels" in w for w in folded.warnings)
    transposed = conform_audio(np.ones((8000, 1), np.float32) * 0.1, 8000)  # [N, C] mono at 8 kHz
    assert transposed.audio.shape == (2, 48000)
    quiet = conform_audio(np.zeros((1, 100), np.float32), 48000)
    assert quiet.silent and any("silent" in w for w in quiet.warnings)
    short = conform_audio(np.ones((2, 24000), np.float32) * 0.1, 48000, seconds=1.0)
    assert short.audio.shape == (2, 48000) and any("padded with silence" in w for w in short.warnings)
    assert any("empty" in w for w in conform_audio(None, 0, 0.5).warnings)
    looped = fit_length(np.ones((2, 1000), np.float32), 2500, 1000, crossfade_s=0.1)
    assert looped.shape == (2, 2500) and np.allclose(looped[:, :900], 1.0)
