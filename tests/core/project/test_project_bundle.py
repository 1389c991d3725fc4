"""Project bundle: create/save/open round trips, media import and relink, hostile and odd paths."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from sora_studio.core.project.bundle import Project, clips_for_media, take_for_media
from sora_studio.core.project.recent import add_recent, recent_projects, remove_recent
from sora_studio.core.timeline import edits
from sora_studio.errors import BadInput


def add_media_clips(project, item):
    pairs = clips_for_media(item, project.timeline.rate)
    video = project.timeline.video_tracks()[0].id
    audio = project.timeline.audio_tracks()[0].id
    placements = [(video if kind == "video" else audio, clip) for kind, clip in pairs]
    edits.AppendClip(*placements[0], also=placements[1:]).apply(project.timeline)
    return pairs


def test_create_makes_the_bundle_layout(tmp_path):
    project = Project.create(tmp_path / "My Film", rate="29.97", width=1280, height=720)
    assert project.path == tmp_path / "My Film.sorastudio"
    for name in ("project.json", "timeline.otio", "media", "renders", "autosave", "cache"):
        assert (project.path / name).exists(), name
    document = json.loads((project.path / "project.json").read_text())
    assert document["schema_version"] == 1 and document["settings"]["rate"] == "30000/1001"
    assert project.name == "My Film" and project.timeline.rate == Fraction(30000, 1001)
    assert [t.kind for t in project.timeline.tracks] == ["video", "audio"]
    assert not project.dirty


def test_create_refuses_an_existing_non_empty_folder(tmp_path):
    (tmp_path / "x.sorastudio").mkdir()
    (tmp_path / "x.sorastudio" / "keep.txt").write_text("mine")
    with pytest.raises(BadInput, match="already exists"):
        Project.create(tmp_path / "x")
    assert (tmp_path / "x.sorastudio" / "keep.txt").read_text() == "mine"


def test_save_open_round_trip_with_media_and_edits(tmp_path, media_dir):
    project = Project.create(tmp_path / "p")
    item = project.import_media(media_dir / "clip one.mp4", copy=True)
    assert item.url == "media/clip one.mp4" and (project.path / item.url).is_file()
    assert item.kind == "video" and item.info["frame_count"] == 24
    pairs = add_media_clips(project, item)
    assert [k for k, _ in pairs] == ["video", "audio"] and pairs[0][1].link_group == pairs[1][1].link_group
    edits.AddMarker(5, "hello").apply(project.timeline)
    assert project.dirty
    project.save()
    assert not project.dirty
    project.close()
    again = Project.open(project.path)
    assert again.timeline.snapshot() == project.timeline.snapshot()
    assert [m.to_dict() for m in again.media] == [m.to_dict() for m in project.media]
    assert again.missing_media() == [] and again.warnings == []


def test_import_media_without_copy_keeps_absolute_path(tmp_path, media_dir):
    project = Project.create(tmp_path / "p")
    item = project.import_media(media_dir / "short.mp4")
    assert item.url == str((media_dir / "short.mp4").resolve())
    assert project.resolve(item.url) == media_dir / "short.mp4"
    assert project.import_media(media_dir / "short.mp4") is item  # the same file is not added twice


def test_import_of_a_broken_file_is_bad_input_and_changes_nothing(tmp_path, media_dir):
    project = Project.create(tmp_path / "p")
    with pytest.raises(BadInput):
        project.import_media(media_dir / "not video.mp4", copy=True)
    assert project.media == [] and list(project.media_dir.iterdir()) == [] and not project.dirty


def test_take_for_media_uses_timeline_frames(tmp_path, media_dir):
    project = Project.create(tmp_path / "p", rate=48)
    item = project.import_media(media_dir / "clip one.mp4")
    take = take_for_media(item, project.timeline.rate)
    assert take.length == 48 and take.url == item.url and take.metadata["sora_studio"]["media_id"] == item.id


def test_missing_media_is_reported_and_relinkable(tmp_path, media_dir):
    import shutil

    source = tmp_path / "elsewhere.mp4"
    shutil.copyfile(media_dir / "clip one.mp4", source)
    project = Project.create(tmp_path / "p")
    item = project.import_media(source)
    clip = add_media_clips(project, item)[0][1]
    project.save()
    project.close()
    source.unlink()
    again = Project.open(project.path)
    assert [m.id for m in again.missing_media()] == [item.id]
    assert again.timeline.find_clip(clip.id)[1].take.missing
    with pytest.raises(BadInput, match="shorter"):
        again.relink(item.id, media_dir / "short.mp4")
    again.relink(item.id, media_dir / "clip one.mp4")
    assert again.missing_media() == [] and again.dirty
    take = again.timeline.find_clip(clip.id)[1].take
    assert take.url == str((media_dir / "clip one.mp4").resolve()) and not take.missing


def test_odd_file_names_work(tmp_path, media_dir):
    import shutil

    for name in ("-leading dash.mp4", "ünïcødé 影片.mp4", "spaces  and 'quotes'.mp4"):
        shutil.copyfile(media_dir / "short.mp4", tmp_path / name)
    project = Project.create(tmp_path / "-odd ñame")
    for name in ("-leading dash.mp4", "ünïcødé 影片.mp4", "spaces  and 'quotes'.mp4"):
        item = project.import_media(tmp_path / name, copy=True)
        assert project.resolve(item.url).read_bytes() == (tmp_path / name).read_bytes()
    project.save()
    assert len(Project.open(project.path, session=False).media) == 3


def test_copy_does_not_overwrite_media_with_the_same_name(tmp_path, media_dir):
    project = Project.create(tmp_path / "p")
    first = project.import_media(media_dir / "short.mp4", copy=True)
    (tmp_path / "other").mkdir()
    import shutil

    shutil.copyfile(media_dir / "clip one.mp4", tmp_path / "other" / "short.mp4")
    second = project.import_media(tmp_path / "other" / "short.mp4", copy=True)
    assert first.url == "media/short.mp4" and second.url == "media/short-1.mp4"


def test_resolve_never_leaves_the_bundle(tmp_path):
    project = Project.create(tmp_path / "p")
    for hostile in ("../outside.mp4", "media/../../outside.mp4", "media/../../../etc/passwd"):
        with pytest.raises(BadInput):
            project.resolve(hostile)
    with pytest.raises(BadInput):
        project.resolve("")


def test_open_refuses_media_paths_that_escape(tmp_path):
    project = Project.create(tmp_path / "p")
    document = json.loads((project.path / "project.json").read_text())
    document["media"] = [{"id": "m1", "url": "../../secret.mp4", "kind": "video"}]
    (project.path / "project.json").write_text(json.dumps(document))
    with pytest.raises(BadInput, match="escapes"):
        Project.open(project.path)


def test_open_refuses_take_paths_that_escape(tmp_path):
    project = Project.create(tmp_path / "p")
    clip_track = project.timeline.video_tracks()[0].id
    from sora_studio.core.timeline.model import Clip, Take

    edits.AppendClip(clip_track, Clip("evil", 0, 5, takes={"DEFAULT_MEDIA": Take("../../../etc/passwd", None)})).apply(project.timeline)
    project.save()
    with pytest.raises(BadInput, match="escapes"):
        Project.open(project.path)


def test_save_as_copies_bundle_media(tmp_path, media_dir):
    project = Project.create(tmp_path / "p")
    item = project.import_media(media_dir / "short.mp4", copy=True)
    add_media_clips(project, item)
    project.save_as(tmp_path / "copy")
    assert project.path == tmp_path / "copy.sorastudio"
    assert (project.path / "media" / "short.mp4").is_file()
    reopened = Project.open(tmp_path / "copy.sorastudio", session=False)
    assert reopened.timeline.snapshot() == project.timeline.snapshot()
    assert not (tmp_path / "p.sorastudio" / ".session.json").exists()


def test_recent_projects_list(tmp_path):
    a, b = Project.create(tmp_path / "a"), Project.create(tmp_path / "b")
    add_recent(a.path)
    add_recent(b.path)
    add_recent(a.path)
    assert recent_projects() == [a.path.resolve(), b.path.resolve()]
    remove_recent(b.path)
    assert recent_projects() == [a.path.resolve()]


def test_open_accepts_project_json_or_name_without_suffix(tmp_path):
    project = Project.create(tmp_path / "named")
    assert Project.open(project.path / "project.json", session=False).path == project.path
    assert Project.open(tmp_path / "named", session=False).path == project.path
    with pytest.raises(BadInput, match="no project folder"):
        Project.open(tmp_path / "absent")


def test_copying_media_reports_progress_and_can_be_cancelled(tmp_path, media_dir, monkeypatch):
    from sora_studio.core.cancel import CancelToken
    from sora_studio.core.project import media_library
    from sora_studio.errors import Cancelled

    monkeypatch.setattr(media_library, "COPY_CHUNK", 512)  # several chunks even for a tiny file
    project = Project.create(tmp_path / "p")
    seen = []
    project.import_media(media_dir / "short.mp4", copy=True, progress=seen.append)
    assert len(seen) > 1 and seen == sorted(seen) and seen[-1] == 1.0

    token = CancelToken()

    def cancel_halfway(fraction):
        if fraction > 0.3:
            token.cancel()

    with pytest.raises(Cancelled):
        project.import_media(media_dir / "clip one.mp4", copy=True, progress=cancel_halfway, cancel=token)
    assert sorted(p.name for p in project.media_dir.iterdir()) == ["short.mp4"]  # no partial file
    assert [m.name for m in project.media] == ["short.mp4"]
