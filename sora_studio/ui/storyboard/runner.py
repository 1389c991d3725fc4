"""Runs storyboard shots from the GUI: generation and sound on worker threads, timeline edits on the GUI thread.

For each shot (in core.storyboard.run.generation_order): the GUI thread prepares it (continuation frame,
take keys), a QThread calls the ShotGenerator (the engine worker process by default), reporting each
denoising step through `progress`, and the result comes back to `_on_generated` (a Slot on this GUI-thread
object), which places the takes through the session's undo stack. Then the shot's sound pass runs, the same
one as `sora-studio storyboard run` (core/audio/shot_audio.add_shot_audio: the model's own sound, ambience
from the sound note through the same ShotGenerator, dialogue), on another QThread; its edits and media
imports are handed to the GUI thread and become one undo step per shot. Then the next shot starts.

Sound right after each shot (not after the whole run): every shot that lands is finished, picture and sound,
so a Stop or a failure mid-run leaves complete shots, and "Generate shot" gives a shot its sound too.

Stop cancels the engine job at once (the worker stops within one step and writes no file), drops the
unplaced output of the shot it interrupted, keeps the shots already placed and reports "storyboard
stopped". A refused or failed shot stops the run and is reported; a failed sound pass is reported and the
picture stays.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from sora_studio.core.cancel import CancelToken
from sora_studio.core.storyboard.model import Storyboard
from sora_studio.core.storyboard.plan import ShotPlan, plan_storyboard
from sora_studio.core.storyboard.run import (STORYBOARD_KEY, check_project_rate, generation_order, place_takes,
                                             prepare_shot)
from sora_studio.core.storyboard.timeline_link import find_shot_clip
from sora_studio.errors import Cancelled, StudioError
from sora_studio.ui.storyboard.sound_pass import GuiCall, ShotSoundEdit, SoundThread, has_linked_sound


class _GenerateThread(QThread):
    done = Signal(object)  # list[GeneratedMedia]
    failed = Signal(str)
    stopped = Signal()
    progress = Signal(int, int)  # (step, steps) of the generation in progress

    def __init__(self, generator: Any, pending: list, token: CancelToken, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.generator, self.pending, self.token = generator, pending, token

    def run(self) -> None:
        try:
            results = []
            for p in self.pending:
                self.token.raise_if_cancelled()
                results.append(self.generator(p.request, p.output, progress=self.progress.emit))
            self.done.emit(results)
        except Cancelled:
            self.stopped.emit()
        except StudioError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a library error must not kill the GUI thread's event loop
            self.failed.emit(f"{type(exc).__name__}: {exc}")


class StoryboardRunner(QObject):
    message = Signal(str)  # progress and errors for the panel's status line
    problem = Signal(object)  # the StudioError (ShotProblem/ShotRefused name shot and key) that refused a start
    progress = Signal(int, int)  # (step, steps) of the shot being generated; (0, 0): busy (loading, sound)
    shot_done = Signal(str)  # shot id: its picture is on the timeline
    sound_done = Signal(str)  # shot id: its sound pass ended (placed, nothing to add, or failed: see message)
    finished = Signal(bool)  # True when every shot asked for was placed

    def __init__(self, session: Any, generator_factory: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._factory = generator_factory
        self._generator: Any = None
        self._queue: list[ShotPlan] = []
        self._storyboard: Storyboard | None = None
        self._thread: _GenerateThread | None = None
        self._sound: SoundThread | None = None
        self._sound_plan: Any = None
        self._current: tuple[ShotPlan, list] | None = None
        self._token = CancelToken()
        self._stopping = False
        self._sound_notes: list[str] = []  # sound warnings and failures of this run, for the last message
        self._gesture: int | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None or self._sound is not None or bool(self._queue)

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
        resume = getattr(self._generator, "resume", None)
        if callable(resume):
            resume()
        self._token = CancelToken()
        self._stopping, self._sound_notes = False, []
        loaded = getattr(self._generator, "loaded_model", None)
        self._queue = generation_order(selected, loaded if isinstance(loaded, str) else None)
        self._storyboard = storyboard
        project.metadata[STORYBOARD_KEY] = storyboard.to_dict()
        self._next()
        return True

    def _next(self) -> None:
        if not self._queue:
            self._end("storyboard stopped" if self._stopping else "storyboard generated", not self._stopping)
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
        self.progress.emit(0, 0)  # busy until the first step (the worker may be loading the model)
        self._thread = _GenerateThread(self._generator, pending, self._token, self)
        self._thread.progress.connect(self.progress)
        self._thread.done.connect(self._on_generated)
        self._thread.failed.connect(self._on_failed)
        self._thread.stopped.connect(self._on_stopped)
        self._thread.start()

    @Slot(object)
    def _on_generated(self, results: list) -> None:
        if self._thread is None:  # closed meanwhile
            return
        self._join()
        assert self._current is not None and self._storyboard is not None
        plan, pending = self._current
        try:
            place_takes(self.session.project, self._storyboard, plan, pending, results, self._do)
        except StudioError as exc:
            self._fail(str(exc))
            return
        self._current = None
        self.shot_done.emit(plan.shot.id)
        if self._stopping:  # a generator that cannot cancel finished its shot after Stop: no sound, no more
            self._next()
            return
        self._start_sound(plan)

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        if self._thread is None:
            return
        self._join()
        self._discard_current()
        self._fail(text)

    @Slot()
    def _on_stopped(self) -> None:
        if self._thread is None:
            return
        self._join()
        self._discard_current()
        self._queue, self._stopping = [], True
        self._next()

    def _do(self, edit: Any) -> None:
        if not self.session.do(edit):
            raise StudioError(f"the timeline refused to place the shot ({edit.label})")

    # -- the sound pass -------------------------------------------------------------------------
    def _start_sound(self, plan: ShotPlan) -> None:
        number = plan.index + 1
        found = find_shot_clip(self.session.timeline, plan.shot.id)
        if found is not None and has_linked_sound(self.session.timeline, found[1], plan.shot.id):
            self.message.emit(f"shot {number} keeps the sound it already has")  # a regenerated shot
            self.sound_done.emit(plan.shot.id)
            self._next()
            return
        assert self._storyboard is not None
        wanted = [w for w, on in (("ambience", plan.shot.sound.strip()), ("dialogue", plan.shot.dialogue)) if on]
        self.message.emit(f"sound for shot {number}: {', '.join(wanted or ['the model sound'])}…")
        self.progress.emit(0, 0)
        snapshot = Storyboard.from_dict(self._storyboard.to_dict())  # the user may edit the live one meanwhile
        self._gesture = self.session.begin_gesture()
        label = f"Sound for shot {number}"
        self._sound = SoundThread(self.session.project, snapshot, plan.shot.id, self._generator,
                                   lambda edit: self._apply_sound(ShotSoundEdit(edit, plan.shot.id, label)),
                                   self._token, self)
        self._sound_plan = plan
        self._sound.call.connect(self._on_gui_call)  # Slots of this GUI-thread object: queued to the GUI thread
        self._sound.done.connect(self._on_sound_done)
        self._sound.failed.connect(self._on_sound_failed)
        self._sound.stopped.connect(self._on_sound_stopped)
        self._sound.start()

    def _apply_sound(self, edit: ShotSoundEdit) -> None:
        if not self.session.do(edit, gesture=self._gesture):
            raise StudioError(f"the timeline refused the sound of the shot ({edit.edits[0].label})")

    @Slot(object)
    def _on_gui_call(self, job: GuiCall) -> None:
        job.run()

    @Slot(object)
    def _on_sound_done(self, report: Any) -> None:
        plan = self._sound_plan
        if not self._join_sound():
            return
        self._sound_notes += report.warnings
        self.sound_done.emit(plan.shot.id)
        self._next()

    @Slot(str)
    def _on_sound_failed(self, text: str) -> None:
        plan = self._sound_plan
        if not self._join_sound():
            return
        note = f"shot {plan.index + 1}: no sound ({text}); its picture is kept"
        self._sound_notes.append(note)
        self.message.emit(note)
        self.sound_done.emit(plan.shot.id)
        self._next()

    @Slot()
    def _on_sound_stopped(self) -> None:
        if self._join_sound():
            self._queue, self._stopping = [], True
            self._next()

    def _join_sound(self) -> bool:
        if self._sound is None:  # closed meanwhile
            return False
        self._sound.wait()
        self._sound.deleteLater()
        self._sound = None
        return True

    # -- stop, failure, close -------------------------------------------------------------------
    def stop(self) -> None:
        """Cancel the engine job or sound pass in progress now; the shots already placed stay."""
        if not self.busy:
            return
        self._queue = []
        self._stopping = True
        self._token.cancel("storyboard stopped")
        cancel = getattr(self._generator, "cancel", None)
        if callable(cancel):
            cancel()
            self.message.emit("stopping…")
        else:
            self.message.emit("stopping after the current shot")

    def _discard_current(self) -> None:
        """Remove the outputs of the interrupted shot (none was placed): no orphaned or half-written file."""
        if self._current is None:
            return
        for item in self._current[1]:
            output = Path(item.output)
            for path in (output, output.with_suffix(output.suffix + ".recipe.json"),
                         *output.parent.glob(f".{output.name}.*")):
                path.unlink(missing_ok=True)
        self._current = None

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.wait()
            self._thread.deleteLater()
            self._thread = None

    def _end(self, text: str, ok: bool) -> None:
        notes = self._sound_notes
        if notes:
            text += f" ({len(notes)} sound note{'s' if len(notes) != 1 else ''}: {'; '.join(notes)})"
        self._queue, self._stopping, self._current, self._sound_notes = [], False, None, []
        self.message.emit(text)
        self.finished.emit(ok)

    def _fail(self, text: str) -> None:
        self._end(f"storyboard stopped: {text}", False)

    @Slot()
    def close(self) -> None:
        """Cancel any run (the engine job within a step), wait for the threads, shut the engine worker down."""
        self.stop()
        thread, sound = self._thread, self._sound
        self._thread = self._sound = None  # results still queued for the slots are ignored
        for t in (thread, sound):
            if t is not None:
                t.wait()
        self._discard_current()
        close = getattr(self._generator, "close", None)
        self._generator = None
        if callable(close):
            close()
