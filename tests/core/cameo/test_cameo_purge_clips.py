"""Withdrawing a cameo's clips from a project: files, sidecars, cached previews and takes go; holes stay."""

from __future__ import annotations

import json

import numpy as np

from sora_studio.core.cameo import permissions
from sora_studio.core.cameo.purge_clips import WITHDRAWN_KEY, is_withdrawn, plan_purge, purge_project_clips
from sora_studio.core.export.hooks import ExportHooks
from sora_studio.core.export.render import render_timeline
from sora_studio.core.media.decode import VideoReader, read_audio
from sora_studio.core.media.encode import write_clip
from sora_studio.core.media.thumbnails import thumbnail_strip
from sora_studio.core.project.bundle import Project
from sora_studio.core.project.media_items import take_for_media
from sora_studio.core.timeline import edits
from sora_studio.core.timeline.history import History
from sora_studio.core.timeline.model import NAMESPACE


def _clip_file(path, shade: int):
    frames = np.full((12, 48, 64, 3), shade, np.uint8)
    return write_clip(path, frames, 12, audio=np.zeros((2, 48000), np.float32), sample_rate=48000)


def _project(tmp_path, cameo_id: str):
    """Three clips in a row on V1 (+ linked audio): plain, rendered with the cameo (sidecar recipe), plain.
    The middle clip also has a second, cameo-free take; a fourth clip has the cameo clip as a second take."""
    project = Project.create(tmp_path / "film", rate=12, width=64, height=48)
    plain = project.import_media(_clip_file(tmp_path / "plain.mp4", 90))
    rendered = project.media_dir / "cameo-shot.mp4"
    _clip_file(rendered, 200)
    (project.media_dir / "cameo-shot.mp4.recipe.json").write_text(json.dumps({"prompt": "@alice waves",
                                                                              "cameo_ids": [cameo_id]}))
    withdrawn = project.import_media(rendered)
    other = project.import_media(_clip_file(tmp_path / "other.mp4", 30))
    from sora_studio.core.project.media_items import clips_for_media

    history = History(project.timeline)
    v1, a1 = project.timeline.video_tracks()[0], project.timeline.audio_tracks()[0]
    for item in (plain, withdrawn, plain):
        (_, video), (_, audio) = clips_for_media(item, project.timeline.rate)
        history.do(edits.AppendClip(v1.id, video, also=[(a1.id, audio)]))
    middle = v1.clips[1]
    history.do(edits.AddTake(middle.id, "alt", take_for_media(other, project.timeline.rate)))
    last = v1.clips[2]
    history.do(edits.AddTake(last.id, "cameo-alt", take_for_media(withdrawn, project.timeline.rate)))
    thumbnail_strip(project.resolve(withdrawn.url), 3, 24, cache_dir=project.cache_dir)
    project.save()
    return project, history, withdrawn


def test_purge_removes_files_takes_and_leaves_holes(tmp_path, studio):
    project, history, withdrawn = _project(tmp_path, studio.cameo.id)
    file = project.resolve(withdrawn.url)
    assert list(project.cache_dir.glob("thumbnails/*"))
    v1, a1 = project.timeline.video_tracks()[0], project.timeline.audio_tracks()[0]
    before = [(c.start, c.duration) for c in v1.clips]
    using = sum(t.url == withdrawn.url for _, c in project.timeline.clips() for t in c.takes.values())
    v1.locked = True  # a lock does not protect a withdrawn cameo
    plan = plan_purge(project, [studio.cameo.id], [])
    assert plan.files == [file] and plan.media_ids == [withdrawn.id]

    report = purge_project_clips(project, [studio.cameo.id], apply_edit=history.do)

    assert not file.exists() and not (file.parent / "cameo-shot.mp4.recipe.json").exists()
    assert report.cache_files_deleted >= 1 and not list(project.cache_dir.glob("thumbnails/*"))
    assert withdrawn.id not in {m.id for m in project.media} and len(project.media) == 2
    assert [(c.start, c.duration) for c in v1.clips] == before  # the cut keeps its shape
    middle, last = v1.clips[1], v1.clips[2]
    assert is_withdrawn(middle.take) and middle.active_take == WITHDRAWN_KEY and middle.take.url == ""
    assert "alt" in middle.takes and len(middle.takes) == 2  # the cameo-free take is still there to pick
    assert is_withdrawn(a1.clips[1].take)  # the linked audio went too
    assert set(last.takes) == {"DEFAULT_MEDIA"} and not is_withdrawn(last.take)  # only its extra take went
    assert not is_withdrawn(v1.clips[0].take)
    assert sorted(report.clips_emptied) == sorted([middle.id, a1.clips[1].id]) and report.takes_removed == using >= 3
    project.timeline.check_invariants()
    assert project.dirty
    exported = render_timeline(project.timeline, project.resolve, tmp_path / "film.mp4", "720p",
                               hooks=ExportHooks([], []))
    holes = [w for w in exported.warnings if "deleted (cameo withdrawn" in w]
    assert len(holes) == 2 and {"black", "silence"} == {w.rsplit(" ", 1)[-1] for w in holes}, exported.warnings
    reader = VideoReader(exported.path)
    try:  # the hole (1 s to 2 s) is black and silent; the clips around it are not
        assert reader.frame_at(1.5).mean() < 2 and reader.frame_at(0.5).mean() > 60
    finally:
        reader.close()
    assert np.abs(read_audio(exported.path, 1.2, 0.6)).max() < 1e-3

    project.save()
    path = project.path
    project.close()
    reopened = Project.open(path)
    try:
        clip = reopened.timeline.video_tracks()[0].clips[1]
        assert is_withdrawn(clip.take) and clip.take.missing and clip.takes["alt"].url
        reopened.timeline.check_invariants()
        assert all(withdrawn.url != t.url for _, c in reopened.timeline.clips() for t in c.takes.values())
    finally:
        reopened.close()


def test_undo_restores_references_not_files(tmp_path, studio):
    project, history, withdrawn = _project(tmp_path, studio.cameo.id)
    snapshot = project.timeline.snapshot()
    purge_project_clips(project, [studio.cameo.id], apply_edit=history.do)
    history.undo()
    assert project.timeline.snapshot() == snapshot
    assert not project.resolve(withdrawn.url).exists()  # the media is gone for good
    project.close()


def test_purge_finds_clips_by_the_usage_log(tmp_path, studio):
    """A render whose recipe is lost is still found through the owner's usage log (its file path)."""
    project, _, withdrawn = _project(tmp_path, "someone-else")
    file = project.resolve(withdrawn.url)
    permissions.record_clip(studio.store, studio.cameo.id, studio.bob.id, str(file), job_id="job-1")
    logged = permissions.clips_using(studio.store, "alice", studio.alice.id)
    assert plan_purge(project, [], []).empty
    report = purge_project_clips(project, [], logged)
    assert report.files_deleted == [file] and not file.exists()
    assert any(is_withdrawn(c.take) for _, c in project.timeline.clips())
    project.close()


def test_purge_leaves_a_project_without_the_cameo_untouched(tmp_path, studio):
    project, _, _ = _project(tmp_path, "someone-else")
    snapshot = project.timeline.snapshot()
    project.save()
    report = purge_project_clips(project, [studio.cameo.id])
    assert report.files_deleted == [] and project.timeline.snapshot() == snapshot and not project.dirty
    assert all(NAMESPACE not in c.take.metadata or not is_withdrawn(c.take) for _, c in project.timeline.clips())
    project.close()
