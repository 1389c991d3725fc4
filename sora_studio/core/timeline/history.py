"""Headless undo/redo over Edit objects (the UI wraps the same edits in QUndoCommands instead)."""

from __future__ import annotations

from sora_studio.core.events import Signal
from sora_studio.core.timeline.edit_base import Edit
from sora_studio.core.timeline.model import Timeline


class History:
    """Linear undo stack. `do` applies an edit (a refused edit is not recorded) and merges drags.

    Merging stays open between consecutive mergeable edits until `close_merge()` (call it on mouse
    release) or any undo/redo. `changed` is emitted after every do/undo/redo/clean-state change.
    """

    def __init__(self, timeline: Timeline, limit: int = 500) -> None:
        self.timeline = timeline
        self.limit = limit
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []
        self._merge_open = False
        self._clean_index: int | None = 0
        self.changed = Signal()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    @property
    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    def do(self, edit: Edit, merge: bool = True) -> Edit:
        edit.apply(self.timeline)
        depth = len(self._undo)
        if self._clean_index is not None and self._clean_index > depth:
            self._clean_index = None  # the clean state was on the redo stack, which is now gone
        if merge and self._merge_open and self._undo and self._undo[-1].merge_with(edit):
            if self._clean_index == depth:
                self._clean_index = None  # the saved state was merged away
        else:
            self._undo.append(edit)
            if len(self._undo) > self.limit:
                self._undo.pop(0)
                if self._clean_index is not None:
                    self._clean_index = self._clean_index - 1 if self._clean_index > 0 else None
        self._merge_open = edit.merge_key is not None
        self._redo.clear()
        self.changed.emit()
        return edit

    def close_merge(self) -> None:
        self._merge_open = False

    def undo(self) -> Edit | None:
        self._merge_open = False
        if not self._undo:
            return None
        edit = self._undo.pop()
        edit.revert(self.timeline)
        self._redo.append(edit)
        self.changed.emit()
        return edit

    def redo(self) -> Edit | None:
        self._merge_open = False
        if not self._redo:
            return None
        edit = self._redo.pop()
        edit.apply(self.timeline)
        self._undo.append(edit)
        self.changed.emit()
        return edit

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._merge_open = False
        self._clean_index = 0
        self.changed.emit()

    # -- save point ------------------------------------------------------------------------
    def mark_clean(self) -> None:
        self._clean_index = len(self._undo)
        self.changed.emit()

    @property
    def is_clean(self) -> bool:
        return self._clean_index == len(self._undo)
