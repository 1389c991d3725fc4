"""File menu behaviour: new/open/save, recent projects, autosave + recovery offer, timeline import/export,
the export dialog, and the unsaved-changes prompt. Dialogs live here; the work is done by the core Project.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox

from sora_studio.errors import StudioError

if TYPE_CHECKING:
    from sora_studio.ui.main_window import MainWindow

TIMELINE_FILTERS = {
    "otio": "OpenTimelineIO (*.otio)",
    "fcpxml": "Final Cut Pro X XML (*.fcpxml)",
    "fcp7": "Final Cut Pro 7 XML / Premiere (*.xml)",
    "edl": "CMX 3600 EDL, video only (*.edl)",
}


class ProjectController(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.export_dialog = None
        window.media_bin.ensure_project = self.ensure_project

    # -- prompts (replaceable in tests) ---------------------------------------------------------
    def ask(self, title: str, text: str, buttons, default) -> QMessageBox.StandardButton:
        return QMessageBox.question(self.window, title, text, buttons, default)

    def tell(self, title: str, text: str, warning: bool = True) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information, title, text,
                          QMessageBox.StandardButton.Ok, self.window)
        box.open()  # not modal-blocking: the message stays while the editor goes on

    def confirm_discard(self, doing: str) -> bool:
        """Ask to save unsaved changes before `doing`; False means the user cancelled."""
        if not self.session.dirty:
            return True
        B = QMessageBox.StandardButton
        answer = self.ask("Unsaved changes", f"Save changes to {self.session.name!r} before {doing}?",
                          B.Save | B.Discard | B.Cancel, B.Save)
        if answer == B.Save:
            return self.save()
        return answer == B.Discard

    def confirm_stop_export(self) -> bool:
        """Closing while an export runs: ask before cancelling it (False: keep the editor open)."""
        dialog = self.export_dialog
        if dialog is None or not dialog.running:
            return True
        B = QMessageBox.StandardButton
        return self.ask("Export in progress", "A video export is still running. Cancel it and quit? "
                        "(Nothing of it will be written.)", B.Yes | B.No, B.No) == B.Yes

    # -- new / open --------------------------------------------------------------------------------
    @Slot()
    def new_project(self) -> bool:
        if not self.confirm_discard("creating a new project"):
            return False
        path, _ = QFileDialog.getSaveFileName(self.window, "New Project", str(Path.home() / "Untitled.sorastudio"),
                                              "Sora Studio project (*.sorastudio)")
        return bool(path) and self.create_project(Path(path))

    def create_project(self, path: Path) -> bool:
        from sora_studio.core.project.bundle import Project

        try:
            project = Project.create(path, rate=self.session.timeline.rate)
        except StudioError as exc:
            self.tell("New Project", f"Could not create the project: {exc}")
            return False
        self._show(project)
        return True

    def ensure_project(self) -> bool:
        """Media lives in a project: offer to create one when none is open."""
        if self.session.project is not None:
            return True
        B = QMessageBox.StandardButton
        if self.ask("No project", "Imported media belongs to a project. Create a new project now?",
                    B.Yes | B.No, B.Yes) != B.Yes:
            return False
        path, _ = QFileDialog.getSaveFileName(self.window, "New Project", str(Path.home() / "Untitled.sorastudio"),
                                              "Sora Studio project (*.sorastudio)")
        return bool(path) and self.create_project(Path(path))

    @Slot()
    def open_dialog(self) -> bool:
        if not self.confirm_discard("opening another project"):
            return False
        path = QFileDialog.getExistingDirectory(self.window, "Open Project (a .sorastudio folder)", str(Path.home()))
        return bool(path) and self.open_project(Path(path), ask=False)

    def open_project(self, path: Path, ask: bool = True) -> bool:
        from sora_studio.core.project.bundle import Project

        if ask and not self.confirm_discard("opening another project"):
            return False
        try:
            project = Project.open(path)
        except StudioError as exc:
            self.tell("Open Project", f"Could not open {path}:\n{exc}")
            return False
        if project.recovery_available():
            B = QMessageBox.StandardButton
            answer = self.ask("Recover unsaved work?",
                              f"{project.name} was not closed properly last time. An autosave newer than the last "
                              "save exists. Recover it? (No keeps the last saved version.)", B.Yes | B.No, B.Yes)
            if answer == B.Yes:
                project.recover()
            else:
                project.discard_recovery()
        self._show(project)
        if project.warnings:
            self.tell("Open Project", "Opened with warnings:\n\n" + "\n".join(project.warnings))
        return True

    def _show(self, project) -> None:
        from sora_studio.core.project.recent import add_recent

        old = self.session.project
        if old is not None and old is not project:
            old.close()
        self.window.previews.cache_dir = project.cache_dir
        self.window.previews.forget()
        self.session.load(project.timeline, project)
        if project.dirty:  # recovered work is unsaved: make the stack dirty too
            self.session.dirty_changed.emit()
        try:
            add_recent(project.path)
        except OSError:
            pass

    @Slot()
    def fill_recent_menu(self) -> None:
        from sora_studio.core.project.recent import recent_projects

        menu = self.window.recent_menu
        menu.clear()
        paths = recent_projects(existing_only=True)
        if not paths:
            menu.addAction("(no recent projects)").setEnabled(False)
        for path in paths:
            menu.addAction(str(path), lambda p=path: self.open_project(p))

    # -- save ----------------------------------------------------------------------------------
    @Slot()
    def save(self) -> bool:
        project = self.session.project
        if project is None:
            return self.save_as()
        try:
            project.save()
        except StudioError as exc:
            self.tell("Save", str(exc))
            return False
        self.session.undo_stack.setClean()
        self.window.statusBar().showMessage(f"Saved {project.path}", 4000)
        return True

    @Slot()
    def save_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self.window, "Save Project As", str(Path.home() / f"{self.session.name}.sorastudio"),
                                              "Sora Studio project (*.sorastudio)")
        return bool(path) and self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        project = self.session.project
        try:
            if project is None:
                from sora_studio.core.project.bundle import Project

                project = Project.create(path, rate=self.session.timeline.rate)
                with project.timeline.changed.blocked():
                    project.timeline.tracks = self.session.timeline.tracks
                    project.timeline.markers = self.session.timeline.markers
                project.save()
                self._show(project)
            else:
                project.save_as(path)
                self.session.project_changed.emit()
        except StudioError as exc:
            self.tell("Save As", str(exc))
            return False
        self.session.undo_stack.setClean()
        self.session.dirty_changed.emit()
        return True

    @Slot()
    def autosave(self) -> bool:
        project = self.session.project
        if project is None or not self.session.dirty:
            return False
        try:
            written = project.autosave()
        except StudioError as exc:
            self.window.statusBar().showMessage(str(exc), 8000)
            return False
        if written:
            self.window.statusBar().showMessage("Autosaved", 2000)
        return bool(written)

    # -- timeline interchange ---------------------------------------------------------------------
    @Slot()
    def import_timeline(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self.window, "Import Timeline", str(Path.home()),
                                              ";;".join(TIMELINE_FILTERS.values()) + ";;All files (*)")
        return bool(path) and self.import_timeline_file(Path(path))

    def import_timeline_file(self, path: Path) -> bool:
        """Add the tracks of a timeline file to the current timeline (one undo step)."""
        from sora_studio.core.timeline import otio_io
        from sora_studio.core.timeline.edits import AddMarker, AddTrack, CompoundEdit, OverwriteClip
        from sora_studio.core.timeline.model import new_id

        project = self.session.project
        try:
            imported, warnings = otio_io.import_timeline(path, bundle=project.path if project else None,
                                                         rate=self.session.timeline.rate)
        except StudioError as exc:
            self.tell("Import Timeline", f"Could not import {path.name}: {exc}")
            return False
        edits = []
        groups: dict[str, str] = {}
        for track in imported.tracks:
            add = AddTrack(track.kind, track.name)
            edits.append(add)
            for clip in track.clips:  # fresh ids: the file may come from this very timeline
                group = groups.setdefault(clip.link_group, new_id("link")) if clip.link_group else None
                fresh = dataclasses.replace(clip, id=new_id("clip"), link_group=group)
                edits.append(OverwriteClip(add.track_id, fresh))
        existing = {m.frame for m in self.session.timeline.markers}
        edits.extend(AddMarker(m.frame, m.name, m.color) for m in imported.markers if m.frame not in existing)
        if not edits:
            self.tell("Import Timeline", f"{path.name} holds no tracks.")
            return False
        if not self.session.do(CompoundEdit(edits, label=f"Import {path.name}")):
            return False
        if warnings:
            self.tell("Import Timeline", "Imported with warnings:\n\n" + "\n".join(warnings), warning=False)
        return True

    @Slot()
    def export_timeline(self) -> bool:
        path, chosen = QFileDialog.getSaveFileName(self.window, "Export Timeline", str(Path.home() / f"{self.session.name}.otio"),
                                                   ";;".join(TIMELINE_FILTERS.values()))
        if not path:
            return False
        fmt = next((k for k, v in TIMELINE_FILTERS.items() if v == chosen), None)
        return self.export_timeline_file(Path(path), fmt)

    def export_timeline_file(self, path: Path, fmt: str | None = None) -> bool:
        from sora_studio.core.timeline import otio_io

        try:
            warnings = otio_io.export_timeline(self.session.timeline, path, fmt, resolve=self.session.resolve)
        except StudioError as exc:
            self.tell("Export Timeline", f"Could not export: {exc}")
            return False
        message = f"Wrote {path}"
        if warnings:
            self.tell("Export Timeline", message + "\n\nNot kept by this format:\n" + "\n".join(warnings), warning=False)
        self.window.statusBar().showMessage(message, 5000)
        return True

    # -- export video ----------------------------------------------------------------------------
    @Slot()
    def export_video(self):
        from sora_studio.ui.export_dialog import ExportDialog

        project = self.session.project
        default_dir = project.renders_dir if project is not None else None
        self.export_dialog = ExportDialog(self.session, self.window, default_dir, tasks=self.window.tasks)
        self.export_dialog.open()
        return self.export_dialog

    def shutdown(self) -> None:
        dialog = self.export_dialog
        if dialog is not None and dialog.running and dialog.thread is not None:
            dialog.thread.token.cancel("the editor is closing")  # a half-written export is discarded
            dialog.thread.wait(30000)
        if self.session.project is not None:
            self.session.project.close()
