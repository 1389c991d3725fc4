"""A/V sync of an export measured on real decoded output: a clap-and-flash clip taken through import, a
linked trim and move, the master mix and export; flashes and clap onsets must stay within half a frame."""

import dataclasses
from fractions import Fraction

import pytest

from sora_studio.core.audio.placement import place_generated_clip, track_role
from sora_studio.core.export.render import render_timeline
from sora_studio.core.project.bundle import Project
from sora_studio.core.timeline.edits import MoveClips, TrimClip

FPS = 24
FLASHES = [20, 50, 77]
HALF_FRAME = 0.5 / FPS


@pytest.fixture
def edited_project(tmp_path, audio_tools):
    source = audio_tools.clap_flash_clip(tmp_path / "clap.mp4", FLASHES)
    project = Project.create(tmp_path / "sync", rate=FPS, width=160, height=96, session=False)
    item = project.import_media(source)
    edit = place_generated_clip(project.timeline, item, at=0)
    edit.apply(project.timeline)
    video = project.timeline.video_tracks()[0].clips[0]
    audio_track = next(t for t in project.timeline.audio_tracks() if t.clips)
    assert track_role(audio_track) == "sync" and audio_track.clips[0].link_group == video.link_group
    TrimClip(video.id, "in", 10).apply(project.timeline)  # linked: the sound is trimmed with the picture
    MoveClips([video.id], 7).apply(project.timeline)
    project.timeline.check_invariants()
    moved = project.timeline.video_tracks()[0].clips[0]
    sound = audio_track.clips[0]
    assert (moved.start, moved.source_in) == (sound.start, sound.source_in) == (7 + 10, 10)
    return project


def _offsets(tools, out, duration_s):
    flashes = tools.flash_times(out)
    onsets = tools.export_onsets(out, duration_s)
    expected = [(f - 10 + 17) / FPS for f in FLASHES]  # source frame -> timeline frame after trim + move
    assert len(flashes) == len(onsets) == 3, (flashes, onsets)
    for flash, want in zip(flashes, expected, strict=True):
        assert flash == pytest.approx(want, abs=1e-3)  # the picture is where the edit put it
    return [onset - flash for onset, flash in zip(onsets, flashes, strict=True)]


@pytest.mark.parametrize("target", [None, -16.0], ids=["peak-only", "normalised"])
def test_clap_and_flash_stay_in_sync_after_trim_and_move(edited_project, tmp_path, audio_tools, target):
    project = edited_project
    out = tmp_path / "export.mp4"
    preset = dataclasses.replace(audio_tools.small_preset(), loudness_lufs=target)
    result = render_timeline(project.timeline, project.resolve, out, preset)
    offsets = _offsets(audio_tools, out, result.duration_s)
    print(f"A/V offsets (loudness target {target}): "
          + ", ".join(f"{o * 1000:+.2f} ms" for o in offsets))
    assert max(abs(o) for o in offsets) <= HALF_FRAME
    assert float(Fraction(result.frames, FPS)) == pytest.approx(result.duration_s)


def test_the_measurement_sees_a_one_frame_slip(edited_project, tmp_path, audio_tools):
    """Moving only the sound by one frame (unlinked) must show up as a one-frame offset: the check can fail."""
    project = edited_project
    sound = next(t for t in project.timeline.audio_tracks() if t.clips).clips[0]
    MoveClips([sound.id], 1, linked=False).apply(project.timeline)
    out = tmp_path / "slipped.mp4"
    result = render_timeline(project.timeline, project.resolve, out, audio_tools.small_preset())
    flashes = audio_tools.flash_times(out)
    onsets = audio_tools.export_onsets(out, result.duration_s)
    offsets = [onset - flash for onset, flash in zip(onsets, flashes, strict=True)]
    assert offsets == pytest.approx([1 / FPS] * 3, abs=0.002)
