"""Background task bookkeeping for the status bar: what is running (previews, imports, exports)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class TaskTracker(QObject):
    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: dict[str, str] = {}
        self._counter = 0

    def begin(self, label: str) -> str:
        self._counter += 1
        key = f"task-{self._counter}"
        self._tasks[key] = label
        self.changed.emit()
        return key

    def update(self, key: str, label: str) -> None:
        if key in self._tasks:
            self._tasks[key] = label
            self.changed.emit()

    def end(self, key: str) -> None:
        if self._tasks.pop(key, None) is not None:
            self.changed.emit()

    def running(self) -> list[str]:
        return list(self._tasks.values())

    def summary(self) -> str:
        if not self._tasks:
            return "No background tasks"
        labels = list(self._tasks.values())
        more = f" (+{len(labels) - 1} more)" if len(labels) > 1 else ""
        return f"● {labels[-1]}{more}"  # a glyph every UI font has (the hourglass emoji often is missing)
