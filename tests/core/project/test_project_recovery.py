"""Atomic saves (a failing write leaves the project as it was), crash detection and autosave recovery."""

from __future__ import annotations

import os

import pytest

from sora_studio.core.project import storage
from sora_studio.core.project.bundle import Project
from sora_studio.core.timeline import edits
from sora_studio.errors import StudioError


def bundle_bytes(project):
    return {name: (project.path / name).read_bytes() for name in ("project.json", "timeline.otio")}


def test_failing_project_json_write_leaves_the_saved_project_intact(tmp_path, monkeypatch):
    project = Project.create(tmp_path / "p")
    edits.AddMarker(3, "saved").apply(project.timeline)
    project.save()
    before = bundle_bytes(project)
    edits.AddMarker(9, "unsaved").apply(project.timeline)
    real_replace = os.replace

    def failing_replace(src, dst):
        if str(dst).endswith("project.json"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(StudioError, match="No space left on device.*unchanged"):
        project.save()
    monkeypatch.undo()
    assert bundle_bytes(project) == before
    assert project.dirty  # the edits are still open in memory
    leftovers = [p.name for p in project.path.iterdir() if p.name.startswith(".") and p.name != ".session.json"]
    assert leftovers == [] and not (project.path / "timeline.otio.next").exists()
    reopened = Project.open(project.path, session=False)
    assert [m.name for m in reopened.timeline.markers] == ["saved"]


def test_failing_timeline_write_leaves_the_saved_project_intact(tmp_path, monkeypatch):
    project = Project.create(tmp_path / "p")
    before = bundle_bytes(project)
    edits.AddMarker(9, "unsaved").apply(project.timeline)

    def failing_fsync(fd):  # the disk refuses to flush the first temp file (timeline.otio.next)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(StudioError, match="Input/output error"):
        project.save()
    monkeypatch.undo()
    assert bundle_bytes(project) == before


def test_save_interrupted_after_commit_rolls_forward_on_open(tmp_path, monkeypatch):
    project = Project.create(tmp_path / "p")
    edits.AddMarker(4, "new").apply(project.timeline)
    real_replace = os.replace

    def no_final_rename(src, dst):
        if str(src).endswith("timeline.otio.next"):
            raise OSError(5, "power cut")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", no_final_rename)
    project.save()
    monkeypatch.undo()
    assert (project.path / "timeline.otio.next").exists()
    reopened = Project.open(project.path, session=False)
    assert [m.name for m in reopened.timeline.markers] == ["new"]
    assert not (project.path / "timeline.otio.next").exists()  # rolled forward
    assert reopened.timeline.snapshot() == project.timeline.snapshot()


def test_timeline_edited_outside_is_loaded_with_a_warning(tmp_path):
    project = Project.create(tmp_path / "p")
    text = (project.path / "timeline.otio").read_text()
    (project.path / "timeline.otio").write_text(text.replace('"name": "p"', '"name": "renamed"', 1))
    reopened = Project.open(project.path, session=False)
    assert any("changed outside" in w for w in reopened.warnings)


def test_crash_then_recover_the_autosave(tmp_path):
    project = Project.create(tmp_path / "p")
    project.save()
    edits.AddMarker(7, "after save").apply(project.timeline)
    edits.AddTrack("video", track_id="v-extra").apply(project.timeline)
    assert project.autosave()
    assert not project.autosave() or project.dirty  # nothing new is not written twice... unless dirty
    expected = project.timeline.snapshot()
    # the process dies here: no save, no close, the session marker stays behind
    survivor = Project.open(project.path)
    assert survivor.recovery_available()
    assert [m.name for m in survivor.timeline.markers] == []  # the saved state
    survivor.recover()
    assert survivor.timeline.snapshot() == expected and survivor.dirty
    assert not survivor.recovery_available()
    survivor.save()
    survivor.close()
    assert not Project.open(project.path).recovery_available()


def test_no_recovery_after_a_clean_close(tmp_path):
    project = Project.create(tmp_path / "p")
    edits.AddMarker(7).apply(project.timeline)
    project.autosave()
    project.close()  # the user chose not to save and closed normally
    assert not Project.open(project.path).recovery_available()


def test_no_recovery_when_the_save_is_newer_than_the_autosave(tmp_path):
    project = Project.create(tmp_path / "p")
    edits.AddMarker(7).apply(project.timeline)
    project.autosave()
    project.save()  # crash after saving: nothing to recover
    assert not Project.open(project.path).recovery_available()


def test_autosave_only_when_dirty_and_a_corrupt_autosave_is_ignored(tmp_path):
    project = Project.create(tmp_path / "p")
    assert not project.autosave()
    edits.AddMarker(1).apply(project.timeline)
    assert project.autosave()
    (project.autosave_dir / storage.PROJECT_FILE).write_text("{ not json")
    again = Project.open(project.path)
    assert not again.recovery_available()


def test_discard_recovery_removes_the_autosave(tmp_path):
    project = Project.create(tmp_path / "p")
    edits.AddMarker(1).apply(project.timeline)
    project.autosave()
    again = Project.open(project.path)
    assert again.recovery_available()
    again.discard_recovery()
    assert not again.recovery_available() and not (again.autosave_dir / storage.PROJECT_FILE).exists()
