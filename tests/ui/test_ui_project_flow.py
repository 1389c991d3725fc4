"""Project life cycle in the editor: dirty state, save, close prompt, autosave + recovery offer, timeline
import/export, the takes submenu, the inspector, and a start-up that never imports torch."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

B = QMessageBox.StandardButton


def test_dirty_state_follows_the_undo_stack_and_save(window):
    session = window.session
    assert not session.dirty and window.status_dirty.text() == "Saved"
    session.set_playhead(10)
    QTest.keyClick(window, Qt.Key.Key_M)
    assert session.dirty and window.isWindowModified()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not session.dirty and window.status_dirty.text() == "Saved", "undone back to the saved state"
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not session.dirty and window.status_dirty.text() == "Saved"
    from sora_studio.core.project.bundle import Project

    reopened = Project.open(session.project.path, session=False)
    assert any(m.frame == 10 for m in reopened.timeline.markers)


def test_close_with_unsaved_changes_asks_and_cancel_keeps_the_window(window):
    session = window.session
    session.set_playhead(30)
    QTest.keyClick(window, Qt.Key.Key_M)
    window.projects.answers = [B.Cancel]
    assert not window.close()
    assert window.projects.asked == ["Unsaved changes"]
    assert window.isVisible()
    window.projects.answers = [B.Save]
    assert window.close()
    from sora_studio.core.project.bundle import Project

    assert any(m.frame == 30 for m in Project.open(session.project.path, session=False).timeline.markers)


def test_autosave_and_recovery_offer(window, qtbot):
    from sora_studio.ui.main_window import MainWindow

    session = window.session
    path = session.project.path
    session.set_playhead(50)
    QTest.keyClick(window, Qt.Key.Key_M)
    assert window.projects.autosave()
    # simulate a crash: the project is never closed, the window goes away without saving
    window.projects.shutdown = lambda: None
    window.projects.answers = [B.Discard]
    window.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.projects.answers = [B.Yes]
    second.projects.asked = []
    second.projects.ask = lambda title, text, buttons, default: (second.projects.asked.append(title), B.Yes)[1]
    assert second.open_path(path)
    assert second.projects.asked == ["Recover unsaved work?"]
    assert any(m.frame == 50 for m in second.session.timeline.markers)
    assert second.session.dirty, "recovered work is not saved yet"
    second.projects.ask = lambda *a: B.Discard
    second.close()


def test_takes_submenu_switches_the_active_take(window, ui, demo_media_dir):
    from sora_studio.core.timeline.edits import AddTake
    from sora_studio.core.timeline.model import Take

    session = window.session
    clip = ui.clip_by_name(session.timeline, "V1", "forest_walk.mp4")
    take = Take(url=str(demo_media_dir / "desert_noon.mp4"), length=72, metadata={"sora_studio": {"label": "seed 7"}})
    assert session.do(AddTake(clip.id, "take-2", take))
    menu = window.timeline_panel.build_context_menu(clip.id)
    takes_menu = next(a.menu() for a in menu.actions() if a.text() == "Takes")
    labels = [a.text() for a in takes_menu.actions()]
    assert labels == ["Original", "take-2 — seed 7"]
    takes_menu.actions()[1].trigger()
    assert ui.clip_by_name(session.timeline, "V1", "forest_walk.mp4").active_take == "take-2"
    assert session.undo_stack.undoText() == "Switch Take"
    # the inspector offers the same choice and shows the active one
    session.select({clip.id})
    assert window.inspector.take_box.currentData() == "take-2"


def test_inspector_edits_are_undoable(window, ui):
    session, inspector = window.session, window.inspector
    clip = ui.clip_by_name(session.timeline, "A2", "music_bed.m4a")
    session.select({clip.id})
    assert inspector.name_edit.text() == "music_bed.m4a"
    assert inspector.start_label.text() == "00:00:00:00"
    for _ in range(4):
        inspector.gain_spin.stepDown()
    assert ui.clip_by_name(session.timeline, "A2", "music_bed.m4a").gain_db == -2.0
    assert session.undo_stack.count() == 1, "spinning the gain is one undo step"
    inspector.enabled_check.click()
    assert not ui.clip_by_name(session.timeline, "A2", "music_bed.m4a").enabled
    inspector.track_flags["muted"].click()
    assert next(t for t in session.timeline.tracks if t.name == "A2").muted
    session.undo_stack.undo()
    session.undo_stack.undo()
    session.undo_stack.undo()
    restored = ui.clip_by_name(session.timeline, "A2", "music_bed.m4a")
    assert restored.gain_db == 0.0 and restored.enabled


def test_timeline_export_and_import_round_trip(window, tmp_path):
    session = window.session
    out = tmp_path / "cut.otio"
    assert window.projects.export_timeline_file(out)
    assert out.exists()
    clips_before = len(session.timeline.clips())
    tracks_before = len(session.timeline.tracks)
    assert window.projects.import_timeline_file(out)
    assert len(session.timeline.tracks) == 2 * tracks_before
    assert len(session.timeline.clips()) == 2 * clips_before
    session.timeline.check_invariants()
    session.undo_stack.undo()
    assert len(session.timeline.tracks) == tracks_before


def test_disabled_clip_is_drawn_grey_and_context_toggle(window, ui):
    session = window.session
    clip = ui.clip_by_name(session.timeline, "V1", "dawn_beach.mp4")
    session.select({clip.id})
    menu = window.timeline_panel.build_context_menu(clip.id)
    next(a for a in menu.actions() if a.text() == "Disable Clip").trigger()
    assert not ui.clip_by_name(session.timeline, "V1", "dawn_beach.mp4").enabled
    item = window.timeline_panel.scene.item_for(clip.id)
    view = window.timeline_panel.view
    image = view.grab().toImage()
    centre = view.mapFromScene(QPointF(item.rect().center().x(), item.rect().top() + 6))
    colour = image.pixelColor(centre)
    assert abs(colour.red() - colour.blue()) < 40, "a disabled clip's label bar is grey, not blue"


def test_editor_start_up_does_not_import_torch_or_diffusers():
    code = (
        "import sys, os; os.environ['QT_QPA_PLATFORM']='offscreen'\n"
        "from sora_studio.ui.app import create_app, install_panels\n"
        "app = create_app([])\n"
        "from sora_studio.ui.main_window import MainWindow\n"
        "w = MainWindow(); install_panels(w); w.show(); app.processEvents()\n"
        "print(sorted(m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules))\n"
        "w.close()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_about_says_tiny_models_make_noise():
    from sora_studio.ui.menus import ABOUT_TEXT

    assert "produce noise" in ABOUT_TEXT
