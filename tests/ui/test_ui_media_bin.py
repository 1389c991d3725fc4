"""Media bin: import (button path and desktop drops), bad files reported, missing media in red, relink,
and dragging media onto the timeline."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication


def _drop(widget, mime: QMimeData, pos: QPoint) -> QDropEvent:
    from PySide6.QtGui import QDragEnterEvent

    actions = Qt.DropAction.CopyAction
    assert widget.acceptDrops()
    enter = QDragEnterEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    event = QDropEvent(QPointF(pos), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)
    return event


def test_import_adds_media_and_reports_bad_files(window, demo_media_dir, tmp_path, ui, qtbot):
    media_bin = window.media_bin
    before = media_bin.list.count()
    extra = tmp_path / "extra_take.mp4"
    shutil.copyfile(demo_media_dir / "forest_walk.mp4", extra)
    corrupt = tmp_path / "broken.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42 this is not a video" * 10)
    imported = media_bin.import_files([extra, corrupt])
    assert [m.name for m in imported] == ["extra_take.mp4"]
    assert "Making thumbnails" in window.status_tasks.text(), "the new file's thumbnails are a background task"
    ui.wait_for(qtbot, lambda: window.previews.pending() == 0)
    assert window.status_tasks.text() == "No background tasks"
    assert media_bin.list.count() == before + 1
    assert any("broken.mp4" in e for e in media_bin.last_errors)
    assert window.session.dirty, "an import is an unsaved change"
    assert "Unsaved" in window.status_dirty.text()


def test_files_dropped_from_the_desktop_are_imported(window, demo_media_dir, tmp_path):
    media_bin = window.media_bin
    extra = tmp_path / "dropped.mp4"
    shutil.copyfile(demo_media_dir / "city_night.mp4", extra)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(extra))])
    before = media_bin.list.count()
    event = _drop(media_bin.list.viewport(), mime, QPoint(20, 20))
    assert event.isAccepted()
    assert media_bin.list.count() == before + 1
    assert any(m.name == "dropped.mp4" for m in window.session.project.media)


def test_media_dragged_from_the_bin_lands_on_the_timeline(window):
    media_bin, session = window.media_bin, window.session
    view = window.timeline_panel.view
    layout = window.timeline_panel.layout_model
    row = next(r for r in layout.rows if r.track.name == "V2")
    item = next(media_bin.list.item(i) for i in range(media_bin.list.count()) if "forest_walk" in media_bin.list.item(i).text())
    mime = media_bin.list.mimeData([item])
    ppf = layout.pixels_per_frame
    target = view.mapFromScene(QPointF(150 * ppf + 0.3, row.top + row.height / 2))
    event = _drop(view.viewport(), mime, target)
    assert event.isAccepted()
    v2 = next(t for t in session.timeline.tracks if t.name == "V2")
    placed = [c for c in v2.clips if c.name == "forest_walk.mp4"]
    assert len(placed) == 1 and abs(placed[0].start - 150) <= 2
    audio = [c for t in session.timeline.audio_tracks() for c in t.clips if c.link_group == placed[0].link_group]
    assert len(audio) == 1, "the sound came along as a linked clip"
    assert session.undo_stack.undoText() == "Overwrite Clip"
    session.timeline.check_invariants()


def test_missing_media_shows_red_and_relink_fixes_it(qtbot, tmp_path, demo_media_dir):
    from sora_studio.core.project.bundle import Project
    from sora_studio.ui.app import create_app
    from sora_studio.ui.main_window import MainWindow

    moved = tmp_path / "gone.mp4"
    shutil.copyfile(demo_media_dir / "dawn_beach.mp4", moved)
    project = Project.create(tmp_path / "Missing.sorastudio")
    item = project.import_media(moved)
    project.save()
    path, media_id = project.path, item.id
    project.close()
    moved.rename(tmp_path / "found_again.mp4")
    create_app([])
    win = MainWindow()
    win.projects.tell = lambda *a, **k: None
    win.projects.ask = lambda *a: __import__("PySide6.QtWidgets").QtWidgets.QMessageBox.StandardButton.Discard
    qtbot.addWidget(win)
    win.show()
    assert win.open_path(path)
    entry = win.media_bin.list.item(0)
    assert "(missing)" in entry.text()
    assert entry.foreground().color().red() > 200
    assert win.media_bin.relink(media_id, tmp_path / "found_again.mp4")
    entry = win.media_bin.list.item(0)
    assert "(missing)" not in entry.text()
    assert Path(win.session.project.resolve(win.session.project.media[0].url)).name == "found_again.mp4"
    win.close()
