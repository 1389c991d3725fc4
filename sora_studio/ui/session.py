"""The editor's one shared state object: the open project/timeline, its undo stack, playhead, selection, marks.

Widgets read from here and change the timeline only through `do(edit)`; the core timeline's `changed`
Signal is forwarded as the Qt signal `timeline_changed`, on which every view re-syncs from the model.
Selection, playhead and in/out marks are view state (not saved in the project) and live here too, so no
widget keeps a private copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from sora_studio.core.timeline.model import Timeline
from sora_studio.errors import StudioError
from sora_studio.ui.undo import Edit, push_edit


class EditorSession(QObject):
    timeline_changed = Signal()
    playhead_changed = Signal(int)
    selection_changed = Signal()
    marks_changed = Signal()
    project_changed = Signal()  # a different project/timeline was loaded
    edit_failed = Signal(str)  # an edit was refused (locked track, overlap): message for the status bar
    media_changed = Signal()  # the project's media list changed (import, relink): not an undo step
    dirty_changed = Signal()  # saved / modified outside the undo stack (media import, save, recovery)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.project: Any | None = None
        self.timeline: Timeline = default_timeline()
        self.timeline.changed.connect(self._on_model_changed)
        self.playhead = 0
        self.selection: frozenset[str] = frozenset()
        self.mark_in: int | None = None
        self.mark_out: int | None = None
        self._gesture = 0
        self._changed_outside_undo = False  # media imported/relinked or work recovered since the last save

    # -- project -------------------------------------------------------------------------
    def load(self, timeline: Timeline, project: Any | None = None) -> None:
        """Show another timeline (a newly opened project); clears undo, selection and marks."""
        self.timeline.changed.disconnect(self._on_model_changed)
        if self.project is not None and hasattr(self.project, "changed"):
            self.project.changed.disconnect(self._on_project_event)
        self.project = project
        if project is not None and hasattr(project, "changed"):
            project.changed.connect(self._on_project_event)
        self.timeline = timeline
        self.timeline.changed.connect(self._on_model_changed)
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._changed_outside_undo = bool(getattr(project, "dirty", False))  # e.g. recovered from autosave
        self.selection = frozenset()
        self.mark_in = self.mark_out = None
        self.playhead = 0
        self.project_changed.emit()
        self.timeline_changed.emit()
        self.selection_changed.emit()
        self.marks_changed.emit()
        self.playhead_changed.emit(0)

    def notify_media_changed(self) -> None:
        self.media_changed.emit()

    def _on_project_event(self, reason: object = None) -> None:
        """Core Project.changed ('media', 'dirty', 'saved', 'recovered', 'path') -> Qt signals."""
        if reason in ("media", "recovered"):
            self._changed_outside_undo = True
            self.media_changed.emit()
        elif reason in ("saved", "path"):
            self._changed_outside_undo = False
        self.dirty_changed.emit()

    @property
    def dirty(self) -> bool:
        """Unsaved changes: edits since the last save, or project changes outside the undo stack."""
        return not self.undo_stack.isClean() or self._changed_outside_undo

    @property
    def rate(self):  # Fraction
        return self.timeline.rate

    @property
    def name(self) -> str:
        return getattr(self.project, "name", None) or "Untitled"

    def resolve(self, url: str) -> Path:
        """Absolute path of a take's url (bundle-relative urls resolve inside the project)."""
        if self.project is not None:
            return Path(self.project.resolve(url))
        return Path(url)

    # -- edits -----------------------------------------------------------------------------
    def begin_gesture(self) -> int:
        """Start a gesture (a mouse drag): edits pushed with its number merge into one undo step."""
        self._gesture += 1
        return self._gesture

    def do(self, edit: Edit, gesture: int | None = None) -> bool:
        """Apply and record an edit; a refused edit leaves everything as it was and reports why."""
        try:
            push_edit(self.undo_stack, self.timeline, edit, gesture=gesture)
        except StudioError as exc:
            self.edit_failed.emit(str(exc))
            return False
        self._prune_selection()
        return True

    def _on_model_changed(self, *_args: object) -> None:
        self.timeline_changed.emit()

    # -- view state ------------------------------------------------------------------------
    def set_playhead(self, frame: int) -> None:
        frame = max(0, int(frame))
        if frame != self.playhead:
            self.playhead = frame
            self.playhead_changed.emit(frame)

    def select(self, clip_ids: set[str] | frozenset[str] | list[str]) -> None:
        ids = frozenset(clip_ids)
        if ids != self.selection:
            self.selection = ids
            self.selection_changed.emit()

    def selected_clips(self) -> list[tuple[Any, Any]]:
        return [(t, c) for t, c in self.timeline.clips() if c.id in self.selection]

    def _prune_selection(self) -> None:
        existing = {c.id for _, c in self.timeline.clips()}
        if not self.selection <= existing:
            self.select(self.selection & existing)

    def set_mark_in(self, frame: int | None) -> None:
        self.mark_in = frame
        if frame is not None and self.mark_out is not None and self.mark_out <= frame:
            self.mark_out = None
        self.marks_changed.emit()

    def set_mark_out(self, frame: int | None) -> None:
        self.mark_out = frame
        if frame is not None and self.mark_in is not None and self.mark_in >= frame:
            self.mark_in = None
        self.marks_changed.emit()


def default_timeline(rate: int = 24) -> Timeline:
    """An empty sequence with two video and two audio tracks (what a new project shows)."""
    from fractions import Fraction

    from sora_studio.core.timeline.model import Track

    timeline = Timeline(Fraction(rate))
    timeline.tracks = [Track("video", "V1"), Track("video", "V2"), Track("audio", "A1"), Track("audio", "A2")]
    return timeline
