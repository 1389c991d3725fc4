"""QUndoCommand wrapper around the core Edit objects (sora_studio.core.timeline.edits).

The core Edit does the work (`apply`/`revert`, merging through `merge_key`/`merge_with`); the command only
adapts it to Qt's undo stack so menus, the undo view and the clean state come for free.

Edits are applied *before* they are pushed (`push_edit`): an edit that raises BadInput (locked track,
overlap) never reaches the stack and leaves the timeline untouched. Merging is limited to one gesture
(one mouse drag): two separate drags of the same clip stay two undo steps.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Protocol

from PySide6.QtGui import QUndoCommand, QUndoStack


class Edit(Protocol):
    """What the UI needs from a core edit (see core/timeline/edits.py)."""

    label: str
    merge_key: Hashable | None

    def apply(self, timeline: Any) -> None: ...

    def revert(self, timeline: Any) -> None: ...

    def merge_with(self, other: Any) -> bool: ...


_ids: dict[Hashable, int] = {}


def _command_id(key: Hashable | None) -> int:
    """QUndoCommand.id() must be an int: give every distinct (merge_key, gesture) pair a small one."""
    if key is None:
        return -1
    try:
        return _ids.setdefault(key, len(_ids) + 1)
    except TypeError:  # unhashable merge key: never merge
        return -1


class EditCommand(QUndoCommand):
    """One undo step made of one core Edit (which may absorb later edits of the same gesture)."""

    def __init__(self, edit: Edit, timeline: Any, gesture: int | None = None, applied: bool = False) -> None:
        super().__init__(getattr(edit, "label", type(edit).__name__))
        self.edit = edit
        self.timeline = timeline
        self.gesture = gesture
        self._skip_redo = applied
        key = getattr(edit, "merge_key", None)
        self._id = _command_id(None if key is None or gesture is None else (key, gesture))

    def redo(self) -> None:
        if self._skip_redo:  # QUndoStack.push calls redo(); the edit was already applied by push_edit
            self._skip_redo = False
            return
        self.edit.apply(self.timeline)

    def undo(self) -> None:
        self.edit.revert(self.timeline)

    def id(self) -> int:  # noqa: A003 - Qt's name
        return self._id

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, EditCommand) or other.gesture != self.gesture:
            return False
        if getattr(other.edit, "merge_key", None) != getattr(self.edit, "merge_key", None):
            return False
        return bool(self.edit.merge_with(other.edit))


def push_edit(stack: QUndoStack, timeline: Any, edit: Edit, gesture: int | None = None) -> None:
    """Apply `edit` to `timeline` and record it; raises (BadInput...) with nothing recorded on failure."""
    edit.apply(timeline)
    stack.push(EditCommand(edit, timeline, gesture=gesture, applied=True))
