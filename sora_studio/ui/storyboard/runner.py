"""Runs storyboard shots from the GUI: generation on a worker thread, timeline edits on the GUI thread.

For each shot (in core.storyboard.run.generation_order): the GUI thread prepares it (continuation frame,
take keys), a QThread calls the ShotGenerator (the engine worker process by default), and the result comes
back to `_on_generated` (a Slot on this GUI-thread object), which places the takes through the session's
undo stack and starts the next shot. A refused or failed shot stops the run and is reported; the shots
already placed stay.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from sora_studio.core.storyboard.model import Storyboard
from sora_studio.core.storyboard.plan import ShotPlan, plan_storyboard
from sora_studio.core.storyboard.run import (STORYBOARD_KEY, check_project_rate, generation_order, place_takes,
                                             prepare_shot)
from sora_studio.core.storyboard.timeline_link import find_shot_clip
from sora_studio.errors import StudioError


class _GenerateThread(QThread):
    done = Signal(object)  # list[GeneratedMedia]
    failed = Signal(str)

    def __init__(self, generator: Any, pending: list, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.generator, self.pending = generator, pending

    def run(self) -> None:
        try:
            self.done.emit([self.generator(p.request, p.output) for p in self.pending])
        except StudioError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a library error must not kill the GUI thread's event loop
            self.failed.emit(f"{type(exc).__name__}: {exc}")


class StoryboardRunner(QObject):
    message = Signal(str)  # progress and errors for the panel's status line
    problem = Signal(object)  # the StudioError (ShotProblem/ShotRefused name shot and key) that refused a start
    shot_done = Signal(str)  # shot id
    finished = Signal(bool)  # True when every shot asked for was placed

    def __init__(self, session: Any, generator_factory: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._factory = generator_factory
        self._generator: Any = None
        self._queue: list[ShotPlan] = []
        self._storyboard: Storyboard | None = None
        self._thread: _GenerateThread | None = None
        self._current: tuple[ShotPlan, list] | None = None
        self._stopping = False

    @property
    def busy(self) -> bool:
        return self._thread is not None or bool(self._queue)

    def start(self, storyboard: Storyboard, shot_ids: list[str] | None = None) -> bool:
        """Plan (everything checked first) and start generating; False (with a message) when refused."""
        project = self.session.project
        if project is None:
            self.message.emit("open or create a project first: shots are placed on its timeline")
            return False
        if self.busy:
            self.message.emit("a storyboard run is already in progress")
            return False
        try:
            plans = plan_storyboard(storyboard)
            check_project_rate(project, storyboard)
        except StudioError as exc:
            self.message.emit(str(exc))
            self.problem.emit(exc)
            return False
        selected = [p for p in plans if shot_ids is None or p.shot.id in shot_ids]
        if self._generator is None:
            self._generator = self._factory()
        loaded = getattr(self._generator, "loaded_model", None)
        self._queue = generation_order(selected, loaded if isinstance(loaded, str) else None)
        self._storyboard = storyboard
        project.metadata[STORYBOARD_KEY] = storyboard.to_dict()
        self._next()
        return True

    def _next(self) -> None:
        if not self._queue:
            stopped, self._stopping = self._stopping, False
            self.message.emit("storyboard stopped" if stopped else "storyboard generated")
            self.finished.emit(not stopped)
            return
        plan = self._queue.pop(0)
        project, storyboard = self.session.project, self._storyboard
        assert storyboard is not None
        previous = None
        if plan.continues:
            found = find_shot_clip(project.timeline, storyboard.shots[plan.index - 1].id)
            previous = found[1] if found else None
        try:
            pending = prepare_shot(project, plan, previous)
        except StudioError as exc:
            self._fail(str(exc))
            return
        self._current = (plan, pending)
        self.message.emit(f"generating shot {plan.index + 1}: {plan.shot.title or plan.shot.prompt[:40]}")
        self._thread = _GenerateThread(self._generator, pending, self)
        self._thread.done.connect(self._on_generated)
        self._thread.failed.connect(self._on_failed)
        self._thread.start()

    @Slot(object)
    def _on_generated(self, results: list) -> None:
        self._join()
        assert self._current is not None and self._storyboard is not None
        plan, pending = self._current
        try:
            place_takes(self.session.project, self._storyboard, plan, pending, results, self._do)
        except StudioError as exc:
            self._fail(str(exc))
            return
        self.shot_done.emit(plan.shot.id)
        self._next()

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        self._join()
        self._fail(text)

    def _do(self, edit: Any) -> None:
        if not self.session.do(edit):
            raise StudioError(f"the timeline refused to place the shot ({edit.label})")

    def stop(self) -> None:
        """Stop after the shot being generated (its takes are still placed); the rest is not started."""
        if self._queue or self._thread is not None:
            self._queue = []
            self._stopping = True
            self.message.emit("stopping after the current shot")

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.wait()
            self._thread.deleteLater()
            self._thread = None

    def _fail(self, text: str) -> None:
        self._queue = []
        self._stopping = False
        self._current = None
        self.message.emit(f"storyboard stopped: {text}")
        self.finished.emit(False)

    def close(self) -> None:
        self._queue = []
        self._join()
        close = getattr(self._generator, "close", None)
        if callable(close):
            close()
