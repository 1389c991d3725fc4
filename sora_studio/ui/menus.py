"""Menus, actions and window-wide keyboard shortcuts of the main window (table in docs/editor.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox

from sora_studio import __version__
from sora_studio.ui import verify_dialog
from sora_studio.ui.timeline import commands

if TYPE_CHECKING:
    from sora_studio.ui.main_window import MainWindow

ABOUT_TEXT = f"""<h3>Sora Studio {__version__}</h3>
<p>A local storyboard and timeline editor that renders clips with diffusion models on your own GPU.</p>
<p><b>About the pictures you get:</b> the small test models that ship with Sora Studio (or that
<code>sora-studio models make-tiny</code> builds) are randomly initialised. They exercise the real
pipelines but <b>produce noise, not video</b>. Install a real model in the model manager for usable
results.</p>
<p>Exports carry a visible watermark, an invisible trace mark and signed Content Credentials (C2PA).</p>
<p>Licence: Apache-2.0. Video encoding uses FFmpeg/x264 (GPL) through PyAV.</p>"""


def _action(window: MainWindow, text: str, slot, shortcut: str | QKeySequence | list | None = None,
            tip: str = "") -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        if isinstance(shortcut, list):
            action.setShortcuts([QKeySequence(s) for s in shortcut])
        else:
            action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
    action.triggered.connect(slot)
    window.addAction(action)  # window-wide: works whichever panel has focus
    return action


def build_menus(window: MainWindow) -> dict[str, QAction]:
    """Create every action (by name) and the File / Edit / View / Playback / Help menus."""
    s, p, viewer, tl = window.session, window.projects, window.viewer, window.timeline_panel
    pb = viewer.playback
    a: dict[str, QAction] = {}
    bar = window.menuBar()

    file_menu = bar.addMenu("&File")
    a["new"] = _action(window, "&New Project…", p.new_project, QKeySequence.StandardKey.New)
    a["open"] = _action(window, "&Open Project…", p.open_dialog, QKeySequence.StandardKey.Open)
    file_menu.addActions([a["new"], a["open"]])
    window.recent_menu = file_menu.addMenu("Open &Recent")
    window.recent_menu.aboutToShow.connect(p.fill_recent_menu)
    a["save"] = _action(window, "&Save", p.save, QKeySequence.StandardKey.Save)
    a["save_as"] = _action(window, "Save &As…", p.save_as, "Ctrl+Shift+S")
    file_menu.addSeparator()
    file_menu.addActions([a["save"], a["save_as"]])
    file_menu.addSeparator()
    a["import_media"] = _action(window, "&Import Media…", window.media_bin.import_dialog, "Ctrl+I")
    file_menu.addAction(a["import_media"])
    a["import_timeline"] = _action(window, "Import Timeline (OTIO/FCP7/FCPXML/EDL)…", p.import_timeline)
    a["export_timeline"] = _action(window, "Export Timeline (OTIO/FCP7/FCPXML/EDL)…", p.export_timeline)
    file_menu.addActions([a["import_timeline"], a["export_timeline"]])
    file_menu.addSeparator()
    a["export_video"] = _action(window, "&Export Video…", p.export_video, "Ctrl+E")
    file_menu.addAction(a["export_video"])
    file_menu.addSeparator()
    a["quit"] = _action(window, "&Quit", window.close, QKeySequence.StandardKey.Quit)
    file_menu.addAction(a["quit"])

    edit_menu = bar.addMenu("&Edit")
    a["undo"] = s.undo_stack.createUndoAction(window, "&Undo")
    a["undo"].setShortcut(QKeySequence("Ctrl+Z"))
    a["redo"] = s.undo_stack.createRedoAction(window, "&Redo")
    a["redo"].setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    window.addAction(a["undo"])
    window.addAction(a["redo"])
    edit_menu.addActions([a["undo"], a["redo"]])
    edit_menu.addSeparator()
    a["split"] = _action(window, "&Split at Playhead", lambda: commands.split_at_playhead(s), "S")
    a["lift"] = _action(window, "&Lift (leave gap)", lambda: commands.lift_selection(s), ["Delete", "Backspace"])
    a["ripple_delete"] = _action(window, "&Ripple Delete (close gap)", lambda: commands.ripple_delete_selection(s),
                                 ["Shift+Delete", "Shift+Backspace"])
    a["toggle_enabled"] = _action(window, "&Enable/Disable Clip", lambda: commands.toggle_enabled(s), "Shift+E")
    a["marker"] = _action(window, "Add &Marker", lambda: commands.add_marker(s), "M")
    a["select_all"] = _action(window, "Select &All", lambda: commands.select_all(s), QKeySequence.StandardKey.SelectAll)
    a["deselect"] = _action(window, "&Deselect All", lambda: s.select(set()), "Ctrl+Shift+A")
    edit_menu.addActions([a["split"], a["lift"], a["ripple_delete"], a["toggle_enabled"], a["marker"]])
    a["add_video_track"] = _action(window, "Add &Video Track", lambda: commands.add_track(s, "video"))
    a["add_audio_track"] = _action(window, "Add A&udio Track", lambda: commands.add_track(s, "audio"))
    edit_menu.addSeparator()
    edit_menu.addActions([a["add_video_track"], a["add_audio_track"]])
    edit_menu.addSeparator()
    edit_menu.addActions([a["select_all"], a["deselect"]])

    play_menu = bar.addMenu("&Playback")
    a["play"] = _action(window, "Play / &Pause", pb.toggle, "Space")
    a["shuttle_back"] = _action(window, "Play &Backward (J, again: faster)", lambda: pb.shuttle(-1), "J")
    a["stop"] = _action(window, "&Stop (K)", pb.pause, "K")
    a["shuttle_fwd"] = _action(window, "Play &Forward (L, again: faster)", lambda: pb.shuttle(1), "L")
    a["step_back"] = _action(window, "Previous Frame", viewer.step_back, "Left")
    a["step_fwd"] = _action(window, "Next Frame", viewer.step_forward, "Right")
    a["to_start"] = _action(window, "Go to Start", viewer.go_to_start, "Home")
    a["to_end"] = _action(window, "Go to End", viewer.go_to_end, "End")
    a["mark_in"] = _action(window, "Mark &In", viewer.mark_in, "I")
    a["mark_out"] = _action(window, "Mark &Out", viewer.mark_out, "O")
    a["clear_marks"] = _action(window, "Clear In/Out", lambda: (s.set_mark_in(None), s.set_mark_out(None)),
                               "Alt+X")
    a["compare_takes"] = _action(window, "&Compare Takes (A/B)", viewer.toggle_compare, "Shift+C",
                                 "Compare the selected clip's active take with another of its takes")
    window.inspector.compare_requested.connect(viewer.start_compare)
    for name in ("play", "shuttle_back", "stop", "shuttle_fwd", None, "step_back", "step_fwd", "to_start", "to_end",
                 None, "mark_in", "mark_out", "clear_marks", None, "compare_takes"):
        play_menu.addSeparator() if name is None else play_menu.addAction(a[name])
    a["scrub_audio"] = _action(window, "Audio &Scrubbing", pb.set_scrub_audio,
                               tip="Play a short grain of sound when the playhead is moved with playback stopped")
    a["scrub_audio"].setCheckable(True)
    a["scrub_audio"].setChecked(pb.scrub_audio)
    play_menu.addSeparator()
    play_menu.addAction(a["scrub_audio"])

    view_menu = bar.addMenu("&View")
    a["zoom_in"] = _action(window, "Zoom &In", tl.zoom_in, ["+", "=", "Ctrl++"])
    a["zoom_out"] = _action(window, "Zoom &Out", tl.zoom_out, ["-", "Ctrl+-"])
    a["zoom_fit"] = _action(window, "Zoom to &Fit", tl.zoom_to_fit, "Shift+Z")
    view_menu.addActions([a["zoom_in"], a["zoom_out"], a["zoom_fit"]])
    view_menu.addSeparator()
    window.panels_menu = view_menu.addMenu("&Panels")
    for dock in window.docks.values():
        window.panels_menu.addAction(dock.toggleViewAction())

    help_menu = bar.addMenu("&Help")
    a["about"] = _action(window, "&About Sora Studio", lambda: QMessageBox.about(window, "About Sora Studio", ABOUT_TEXT))
    help_menu.addAction(a["about"])
    a["verify_file"] = _action(window, "&Verify a File…", lambda: verify_dialog.open_verify_dialog(window),
                               tip="Check a file's Content Credentials, trace mark and ledger record")
    help_menu.addAction(a["verify_file"])
    return a
