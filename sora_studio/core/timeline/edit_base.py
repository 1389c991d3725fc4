"""The Edit protocol: every change to a timeline is an object that can apply itself and revert itself.

One stream of edits feeds undo (History here, QUndoStack in the UI) and every listener
(`timeline.changed.emit(edit)` after each apply and revert).

Rules every edit follows:
- `apply` either changes the timeline completely or raises BadInput and changes nothing;
- `revert` restores exactly the state before the matching `apply` (equal `snapshot()`);
- applying again after a revert (redo) gives the same result, including the ids of new clips;
- `merge_with(other)` folds a later edit of the same kind and `merge_key` (a drag) into this one, so the
  whole drag is one undo step.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from sora_studio.core.timeline.model import Clip, Timeline
from sora_studio.core.timeline.workspace import Workspace, restore
from sora_studio.errors import BadInput


class Edit:
    """Base class. Subclasses implement `_apply` and `_revert`; the base handles merging and signals."""

    label: str = "Edit"

    def __init__(self) -> None:
        self._merged: list[Edit] = []

    @property
    def merge_key(self) -> Hashable | None:
        """Edits with equal, non-None keys and the same type merge (drags). None never merges."""
        return None

    def apply(self, timeline: Timeline) -> None:
        done: list[Edit] = []
        with timeline.changed.blocked():
            try:
                for edit in (self, *self._merged):
                    edit._apply(timeline)
                    done.append(edit)
            except BaseException:
                for edit in reversed(done):
                    edit._revert(timeline)
                raise
        timeline.changed.emit(self)

    def revert(self, timeline: Timeline) -> None:
        with timeline.changed.blocked():
            for edit in reversed((self, *self._merged)):
                edit._revert(timeline)
        timeline.changed.emit(self)

    def merge_with(self, other: Edit) -> bool:
        """Absorb `other` (already applied right after this one) into this undo step."""
        key = self.merge_key
        if key is None or type(other) is not type(self) or other.merge_key != key:
            return False
        self._merged.append(other)
        self._merged.extend(other._merged)
        other._merged = []
        return True

    def _apply(self, timeline: Timeline) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _revert(self, timeline: Timeline) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label!r}>"


class ClipEdit(Edit):
    """An edit of clips: plans on a Workspace of copies; commit swaps the new clip lists in."""

    def __init__(self) -> None:
        super().__init__()
        self._before: dict[str, list[Clip]] = {}
        self._new_ids: dict[str, str] = {}  # ids given to pieces of split clips, stable across redo

    @property
    def new_ids(self) -> dict[str, str]:
        """Ids given to the right-hand pieces of clips this edit cut, by the cut clip's id."""
        return dict(self._new_ids)

    def _apply(self, timeline: Timeline) -> None:
        ws = Workspace(timeline)
        self._plan(ws)
        self._before = ws.commit()

    def _revert(self, timeline: Timeline) -> None:
        restore(timeline, self._before)
        self._before = {}

    def _plan(self, ws: Workspace) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class CompoundEdit(Edit):
    """Several edits as one undo step, applied in order and reverted in reverse; all or nothing."""

    def __init__(self, edits: Sequence[Edit], label: str = "Edit") -> None:
        super().__init__()
        if not edits:
            raise BadInput("a compound edit needs at least one edit")
        self.edits = list(edits)
        self.label = label

    def _apply(self, timeline: Timeline) -> None:
        done: list[Edit] = []
        try:
            for edit in self.edits:
                edit.apply(timeline)
                done.append(edit)
        except BaseException:
            for edit in reversed(done):
                edit.revert(timeline)
            raise

    def _revert(self, timeline: Timeline) -> None:
        for edit in reversed(self.edits):
            edit.revert(timeline)
