"""Storyboard edits as undoable objects, shaped like the timeline's core Edits (label, merge_key, apply,
revert, merge_with), so the dock pushes them on the session's one QUndoStack with `ui.undo.push_edit`:
Ctrl+Z in the editor undoes shot-card edits and timeline edits in the order they were made.

`apply` goes through the Storyboard's own methods (which refuse invalid values and change nothing);
`revert` puts back the exact earlier shot / settings / order. Typing in one field of one shot merges into
one undo step per gesture (see StoryboardPanel.push).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from typing import Any

from sora_studio.core.storyboard.model import DialogueLine, Shot, Storyboard, StoryboardSettings
from sora_studio.errors import BadInput

FIELD_LABELS = {"prompt": "Prompt", "seconds": "Duration", "camera": "Camera Move", "size": "Shot Size",
                "style": "Shot Style", "negative_prompt": "Negative Prompt", "dialogue": "Dialogue",
                "sound": "Sound Notes", "transition": "Transition", "seed": "Seed", "variations": "Variations",
                "image": "First Image", "last_image": "Last Image", "title": "Shot Title"}


def copy_shot(shot: Shot) -> Shot:
    return Shot.from_dict(shot.to_dict())


def _restore_shot(storyboard: Storyboard, shot: Shot) -> None:
    """Put an earlier version of a shot back as it was (no re-validation: it was the state before)."""
    storyboard.shots[storyboard.index(shot.id)] = copy_shot(shot)
    storyboard.changed.emit("shot", shot.id)


class StoryboardEdit:
    label = "Edit Storyboard"
    merge_key: Hashable | None = None

    def apply(self, storyboard: Storyboard) -> None:
        raise NotImplementedError

    def revert(self, storyboard: Storyboard) -> None:
        raise NotImplementedError

    def merge_with(self, other: Any) -> bool:
        return False


class UpdateShot(StoryboardEdit):
    """Set fields of one shot (Storyboard.update: refused with a ShotProblem naming the key)."""

    def __init__(self, shot_id: str, **values: Any) -> None:
        self.shot_id = shot_id
        self.values = {k: ([DialogueLine(d.speaker, d.text) for d in v] if k == "dialogue" else v)
                       for k, v in values.items()}
        self.before: Shot | None = None
        self.label = f"Edit {FIELD_LABELS.get(next(iter(values)), 'Shot')}" if len(values) == 1 else "Edit Shot"
        self.merge_key = ("storyboard-shot", shot_id, tuple(sorted(values)))

    def apply(self, storyboard: Storyboard) -> None:
        before = copy_shot(storyboard.shot(self.shot_id))
        storyboard.update(self.shot_id, **self.values)
        if self.before is None:
            self.before = before

    def revert(self, storyboard: Storyboard) -> None:
        assert self.before is not None
        _restore_shot(storyboard, self.before)

    def merge_with(self, other: Any) -> bool:
        if not isinstance(other, UpdateShot) or other.merge_key != self.merge_key:
            return False
        self.values = dict(other.values)
        return True


class AddShot(StoryboardEdit):
    label = "Add Shot"

    def __init__(self, shot: Shot, index: int | None = None) -> None:
        self.shot, self.index = shot, index

    def apply(self, storyboard: Storyboard) -> None:
        storyboard.add(copy_shot(self.shot), self.index)

    def revert(self, storyboard: Storyboard) -> None:
        storyboard.remove(self.shot.id)


class RemoveShot(StoryboardEdit):
    label = "Delete Shot"

    def __init__(self, shot_id: str) -> None:
        self.shot_id = shot_id
        self.removed: Shot | None = None
        self.index = 0

    def apply(self, storyboard: Storyboard) -> None:
        self.index = storyboard.index(self.shot_id)
        self.removed = storyboard.remove(self.shot_id)

    def revert(self, storyboard: Storyboard) -> None:
        assert self.removed is not None
        storyboard.add(copy_shot(self.removed), self.index)


class MoveShot(StoryboardEdit):
    label = "Move Shot"

    def __init__(self, shot_id: str, new_index: int) -> None:
        self.shot_id, self.new_index = shot_id, new_index
        self.old_index = 0

    def apply(self, storyboard: Storyboard) -> None:
        self.old_index = storyboard.index(self.shot_id)
        if not 0 <= self.new_index < len(storyboard.shots) or self.new_index == self.old_index:
            raise BadInput("the shot is already there")
        storyboard.move(self.shot_id, self.new_index)

    def revert(self, storyboard: Storyboard) -> None:
        storyboard.move(self.shot_id, self.old_index)


class UpdateSettings(StoryboardEdit):
    """Change global settings (aspect, resolution, fps, style, model...); refused when invalid."""

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - set(StoryboardSettings.__dataclass_fields__)
        if unknown:
            raise BadInput(f"unknown storyboard settings: {', '.join(sorted(unknown))}")
        self.values = values
        self.before: StoryboardSettings | None = None
        self.label = "Edit Storyboard Settings"
        self.merge_key = ("storyboard-settings", tuple(sorted(values)))

    def apply(self, storyboard: Storyboard) -> None:
        candidate = dataclasses.replace(storyboard.settings, **self.values)
        candidate.check()
        if self.before is None:
            self.before = storyboard.settings
        storyboard.settings = candidate
        storyboard.changed.emit("settings")

    def revert(self, storyboard: Storyboard) -> None:
        assert self.before is not None
        storyboard.settings = self.before
        storyboard.changed.emit("settings")

    def merge_with(self, other: Any) -> bool:
        if not isinstance(other, UpdateSettings) or other.merge_key != self.merge_key:
            return False
        self.values = dict(other.values)
        return True


class ReplaceStoryboard(StoryboardEdit):
    """Take title, settings and shots from another storyboard (an imported file); undo puts the old ones back."""

    label = "Import Storyboard"

    def __init__(self, source: Storyboard) -> None:
        self.after = source.to_dict()
        self.before: dict[str, Any] | None = None

    @staticmethod
    def _set(storyboard: Storyboard, data: dict[str, Any]) -> None:
        loaded = Storyboard.from_dict(data)
        storyboard.title, storyboard.settings, storyboard.shots = loaded.title, loaded.settings, loaded.shots
        storyboard.changed.emit("shots")

    def apply(self, storyboard: Storyboard) -> None:
        if self.before is None:
            self.before = storyboard.to_dict()
        self._set(storyboard, self.after)

    def revert(self, storyboard: Storyboard) -> None:
        assert self.before is not None
        self._set(storyboard, self.before)
