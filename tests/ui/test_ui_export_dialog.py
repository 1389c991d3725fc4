"""Export Video dialog: a complete export writes a playable file; cancel leaves no file behind."""

from __future__ import annotations

from fractions import Fraction

import pytest


@pytest.fixture
def short_window(open_window, tmp_path):
    """A project with a 1 s clip (fast to export at 720p)."""
    from sora_studio.core.media.synth import write_index_video
    from sora_studio.core.project.bundle import Project
    from sora_studio.core.project.media_items import clips_for_media
    from sora_studio.core.timeline.edits import OverwriteClip

    media = write_index_video(tmp_path / "short.mp4", 24, size=(320, 180), fps=24, audio_freq=440.0)
    project = Project.create(tmp_path / "Short.sorastudio", rate=24)
    item = project.import_media(media)
    placed = clips_for_media(item, Fraction(24), start=0)
    targets = {"video": project.timeline.video_tracks()[0].id, "audio": project.timeline.audio_tracks()[0].id}
    (kind, clip), *rest = placed
    OverwriteClip(targets[kind], clip, also=[(targets[k], c) for k, c in rest]).apply(project.timeline)
    project.save()
    path = project.path
    project.close()
    return open_window(path)


def _preset_index(dialog, name: str) -> int:
    index = dialog.preset_box.findData(name)
    assert index >= 0, [dialog.preset_box.itemData(i) for i in range(dialog.preset_box.count())]
    return index


def test_export_runs_to_completion(short_window, ui, qtbot, tmp_path):
    from sora_studio.core.media.probe import probe

    dialog = short_window.projects.export_video()
    dialog.preset_box.setCurrentIndex(_preset_index(dialog, "720p24-draft"))
    out = tmp_path / "out" / "short.mp4"
    out.parent.mkdir()
    dialog.path_edit.setText(str(out))
    dialog.start()
    assert "Exporting video" in short_window.tasks.running()
    ui.wait_for(qtbot, lambda: dialog.result is not None or dialog.error_message, timeout_ms=60000)
    assert not dialog.error_message
    assert out.exists()
    info = probe(out)
    assert (info.width, info.height) == (1280, 720)
    assert abs(info.duration_s - 1.0) < 0.1
    assert dialog.progress.value() == 100
    assert not any(t.startswith("Exporting") for t in short_window.tasks.running())


def test_cancel_leaves_no_file(window, ui, qtbot, tmp_path):
    dialog = window.projects.export_video()
    dialog.preset_box.setCurrentIndex(_preset_index(dialog, "1080p24-standard"))
    out_dir = tmp_path / "renders"
    out_dir.mkdir()
    out = out_dir / "demo.mp4"
    dialog.path_edit.setText(str(out))
    seen = []
    dialog.start()
    dialog.thread.progress.connect(lambda done, total: seen.append(done))
    ui.wait_for(qtbot, lambda: dialog.progress.value() > 0 or seen, timeout_ms=60000)
    dialog.cancel()
    ui.wait_for(qtbot, lambda: not dialog.running, timeout_ms=60000)
    qtbot.wait(50)
    assert "cancelled" in dialog.status.text()
    assert not out.exists()
    assert list(out_dir.iterdir()) == [], "no temp file left behind"
    assert dialog.result is None


def test_export_of_an_empty_timeline_says_what_to_do(qtbot, tmp_path):
    from sora_studio.ui.app import create_app
    from sora_studio.ui.main_window import MainWindow

    create_app([])
    win = MainWindow()
    qtbot.addWidget(win)
    dialog = win.projects.export_video()
    dialog.path_edit.setText(str(tmp_path / "empty.mp4"))
    dialog.start()
    assert "empty" in dialog.error_message and "Add clips" in dialog.error_message
    assert not (tmp_path / "empty.mp4").exists()
    dialog.close()
    win.close()


def test_closing_the_editor_during_an_export_asks_and_discards_the_file(window, ui, qtbot, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    dialog = window.projects.export_video()
    out = tmp_path / "closing.mp4"
    dialog.path_edit.setText(str(out))
    dialog.start()
    ui.wait_for(qtbot, lambda: dialog.progress.value() > 0, timeout_ms=60000)
    window.projects.answers = [QMessageBox.StandardButton.No]
    assert not window.close()
    assert dialog.running, "answering No keeps the export going"
    window.projects.answers = [QMessageBox.StandardButton.Yes]
    assert window.close()
    assert not dialog.running
    assert not out.exists() and list(tmp_path.glob("*.mp4*")) == []


def test_export_names_the_clips_that_render_black(short_window, ui, qtbot, tmp_path):
    """A clip whose media is gone exports as black; the dialog says which clip and where."""
    from sora_studio.core.timeline.edits import AddTake
    from sora_studio.core.timeline.model import Take

    session = short_window.session
    clip = session.timeline.video_tracks()[0].clips[0]
    session.do(AddTake(clip.id, "gone", Take(url="media/gone.mp4", length=clip.duration, missing=True), activate=True,
                       linked=False))
    dialog = short_window.projects.export_video()
    dialog.preset_box.setCurrentIndex(_preset_index(dialog, "720p24-draft"))
    dialog.path_edit.setText(str(tmp_path / "holes.mp4"))
    dialog.start()
    ui.wait_for(qtbot, lambda: dialog.result is not None or dialog.error_message, timeout_ms=60000)
    assert not dialog.error_message
    text = dialog.status.text()
    assert "Check these places" in text and f"V1 '{clip.name}' at 00:00:00:00" in text, text
    assert "media is missing" in text and "exported as black" in text
