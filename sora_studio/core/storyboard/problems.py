"""Errors that point at a shot and a key, so a storyboard file can report the line to fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sora_studio.errors import BadInput, Refused, StudioError


class ShotProblem(BadInput):
    """BadInput about one shot (shot_id) and, where known, one of its keys; `settings` shot_id = None."""

    def __init__(self, message: str, shot_id: str | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.shot_id, self.key = shot_id, key


class ShotRefused(Refused):
    """A shot refused by policy or consent (exit code 3), located like a ShotProblem."""

    def __init__(self, message: str, shot_id: str | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.shot_id, self.key = shot_id, key


@dataclass
class SourceMap:
    """Where things are in a storyboard file: (table, key) -> line; table is a shot id or 'settings'."""

    path: Path | None = None
    lines: dict[tuple[str, str | None], int] = field(default_factory=dict)

    def line(self, table: str | None, key: str | None = None) -> int | None:
        table = table or "settings"
        return self.lines.get((table, key)) or self.lines.get((table, None))

    def locate(self, exc: StudioError) -> StudioError:
        """The same error prefixed with FILE:LINE when the problem's place is known."""
        if not isinstance(exc, ShotProblem | ShotRefused):
            return exc
        line = self.line(exc.shot_id, exc.key)
        name = self.path.name if self.path else "storyboard"
        where = f"{name}:{line}: " if line else f"{name}: "
        located = type(exc)(where + str(exc), exc.shot_id, exc.key)
        located.line = line  # type: ignore[attr-defined]
        return located
