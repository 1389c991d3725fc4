"""Import / Export of storyboard files (TOML, the format `sora-studio storyboard run` reads) from the dock.

Import checks the file like the command line does (FILE:LINE errors go to the status line) and replaces the
dock's storyboard as one undoable step; Export writes atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QFileDialog

from sora_studio.core.storyboard.toml_io import load_storyboard, save_storyboard
from sora_studio.errors import StudioError
from sora_studio.ui.storyboard.edits import ReplaceStoryboard

TOML_FILTER = "Storyboards (*.toml);;All files (*)"


class StoryboardFiles(QObject):
    def __init__(self, panel: Any) -> None:
        super().__init__(panel)
        self.panel = panel
        self.ask_open = self._ask_open_file  # replaced in tests (no dialogs offscreen)
        self.ask_save = self._ask_save_file

    def _ask_open_file(self) -> str:
        return QFileDialog.getOpenFileName(self.panel, "Import a storyboard", "", TOML_FILTER)[0]

    def _ask_save_file(self) -> str:
        return QFileDialog.getSaveFileName(self.panel, "Export the storyboard", "storyboard.toml", TOML_FILTER)[0]

    @Slot()
    def import_file(self) -> None:
        """Load a storyboard file in place of the dock's one (one undo step)."""
        path = self.ask_open()
        if not path:
            return
        try:
            loaded, _ = load_storyboard(path)
        except StudioError as exc:
            self.panel.status.setText(f"Not imported: {exc}")
            return
        if self.panel.push(ReplaceStoryboard(loaded)):
            self.panel.cards.setCurrentRow(0)
            self.panel.status.setText(f"Imported {Path(path).name}: {len(loaded.shots)} shots")

    @Slot()
    def export_file(self) -> None:
        path = self.ask_save()
        if not path:
            return
        try:
            save_storyboard(self.panel.storyboard, path)
        except (OSError, StudioError) as exc:
            self.panel.status.setText(f"Not exported: {exc}")
            return
        self.panel.status.setText(f"Exported to {path}")
