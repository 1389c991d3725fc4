"""GenerationController: the GUI's side of generation. It owns the QueueRunner (JobQueue -> EngineClient),
keeps the live state of running jobs (step, ETA, preview frames) and turns finished clips into media and takes.

All its slots run on the GUI thread: the engine's and the queue's notifications arrive through EngineBridge.
The queue itself (core JobQueue, a SQLite file) is the model; the queue dock is a view of it plus `live`.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage

from sora_studio.core.generation.queue import Job, JobQueue
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.engine.dispatcher import QueueRunner
from sora_studio.errors import StudioError
from sora_studio.ui.jobs.bridge import EngineBridge
from sora_studio.ui.jobs.results import add_take_edit, import_result
from sora_studio.ui.jobs.targets import TakeTargets

MAX_SEED = 2**31 - 1


@dataclass
class LiveJob:
    """What the engine reported about a job in this session (not stored: it only matters while it runs)."""

    step: int = 0
    steps: int = 0
    eta_s: float = 0.0
    frames: list[QImage] = field(default_factory=list)
    preview_step: int = 0
    started_at: float = 0.0
    media_id: str | None = None  # set once the clip is in the project's media bin
    note: str = ""  # what happened to the result (imported, take added, why not)


class GenerationController(QObject):
    jobs_changed = Signal()  # the queue's content or a job's state changed: re-read `jobs()`
    job_updated = Signal(str)  # live progress/preview of one job changed
    imported = Signal(str, str)  # job_id, media_id: the clip is in the media bin
    take_added = Signal(str, str)  # clip_id, take key
    message = Signal(str)  # a status line for the user

    def __init__(self, session: Any, client: Any, queue: JobQueue, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session, self.client, self.queue = session, client, queue
        self.runner = QueueRunner(queue, client)
        self.bridge = EngineBridge(client, queue, self)
        self.live: dict[str, LiveJob] = {}
        path = getattr(queue, "path", None)
        self.targets = TakeTargets(Path(path).with_name(Path(path).stem + "-take-targets.json") if path else None)
        self.seeds = random.Random()
        self.slot_threads: list[object] = []  # threads our slots ran on (checked by the tests)
        self.bridge.started.connect(self._on_started)
        self.bridge.progress.connect(self._on_progress)
        self.bridge.preview.connect(self._on_preview)
        self.bridge.result.connect(self._on_result)
        self.bridge.failed.connect(self._on_failed)
        self.bridge.queue_changed.connect(self._on_queue_changed)
        self._closed = False

    # reading ---------------------------------------------------------------------------------------------
    def jobs(self) -> list[Job]:
        return self.queue.list()

    def live_state(self, job_id: str) -> LiveJob:
        return self.live.setdefault(job_id, LiveJob())

    @property
    def closed(self) -> bool:
        """True after shutdown(): the engine is stopped and nothing more is recorded."""
        return self._closed

    @property
    def paused(self) -> bool:
        return self.queue.paused

    # commands ---------------------------------------------------------------------------------------------
    def submit(self, request: GenerationRequest, variations: int = 1, target_clip_id: str | None = None) -> list[str]:
        """Queue `variations` jobs (seeds seed, seed+1, ...) and start the next one if the engine is idle."""
        if target_clip_id and self.session.project is None:
            target_clip_id = None  # takes live in a project; without one the clip only goes to the queue
        ids = self.queue.add(request, variations)
        if target_clip_id:
            for job_id in ids:
                self.targets.set(job_id, target_clip_id, self._project_key())
        self.pump()
        return ids

    def pump(self) -> None:
        try:
            self.runner.pump()
        except (StudioError, OSError) as exc:  # the worker could not start (no python, no disk)
            self.message.emit(f"The engine could not start: {exc}")

    def cancel(self, job_id: str) -> None:
        """A queued job is cancelled at once; a running one after its current step (the engine confirms)."""
        try:
            self.runner.cancel(job_id)
        except StudioError as exc:
            self.message.emit(str(exc))

    def retry(self, job_id: str) -> str | None:
        """Failed/cancelled: back into the queue with the same seed. Done: a new job with the same seed."""
        try:
            job = self.queue.get(job_id)
            if job.state in ("failed", "cancelled"):
                self.queue.retry(job_id)
                self.live.pop(job_id, None)
                new_id = job_id
            elif job.state == "done":
                new_id = self.queue.add(job.request)[0]
                self._inherit_target(job_id, new_id)
            else:
                return None
        except StudioError as exc:
            self.message.emit(str(exc))
            return None
        self.pump()
        return new_id

    def duplicate(self, job_id: str) -> str | None:
        """A new job like this one with a new random seed (to explore variations of a prompt)."""
        try:
            old_seed = self.queue.get(job_id).request.seed
            seed = self.seeds.randint(0, MAX_SEED)
            while seed == old_seed:
                seed = self.seeds.randint(0, MAX_SEED)
            new_id = self.queue.duplicate(job_id, seed=seed)
        except StudioError as exc:
            self.message.emit(str(exc))
            return None
        self._inherit_target(job_id, new_id)
        self.pump()
        return new_id

    def remove(self, job_id: str) -> None:
        try:
            self.queue.remove(job_id)
        except StudioError as exc:
            self.message.emit(str(exc))
            return
        self.live.pop(job_id, None)
        self.targets.forget(job_id)

    def move(self, job_id: str, delta: int) -> None:
        """Move a queued job up (-1) or down (+1) among the queued jobs."""
        queued = [j.id for j in self.queue.list("queued")]
        if job_id not in queued:
            return
        try:
            self.queue.move(job_id, max(0, queued.index(job_id) + delta))
        except StudioError as exc:
            self.message.emit(str(exc))

    def clear_finished(self) -> None:
        for job in self.queue.list():
            if job.state in ("done", "failed", "cancelled"):
                self.remove(job.id)

    def set_paused(self, paused: bool) -> None:
        """Paused: the running job finishes, queued jobs wait. Resuming starts the next one."""
        if paused:
            self.queue.pause()
        else:
            self.queue.resume()
            self.pump()

    def import_job(self, job_id: str) -> bool:
        """Import a finished job's clip into the open project (when it finished while none was open)."""
        job = self.queue.get(job_id)
        if job.state != "done" or not job.result:
            return False
        return self._import(job_id, job.result)

    def shutdown(self) -> None:
        """Stop listening and stop the worker. A running job is cancelled after its current step; the queue
        shows it as interrupted on the next start (retry it), queued jobs stay queued."""
        if self._closed:
            return
        self._closed = True
        running = self.runner.running
        if running is not None:
            try:
                self.client.cancel(running)
            except Exception:  # noqa: BLE001 - quitting: the worker is stopped below in any case
                pass
        self.bridge.detach()
        # QueueRunner has no detach(): unhook its handlers so a closed controller records nothing more
        self.client.result.disconnect(self.runner._on_result)
        self.client.failed.disconnect(self.runner._on_failed)
        close = getattr(self.client, "close", None)
        if close is not None:
            close()

    def _inherit_target(self, old_id: str, new_id: str) -> None:
        self.targets.copy(old_id, new_id)

    def _project_key(self) -> str:
        project = self.session.project
        return str(Path(project.path).resolve()) if project is not None else ""

    def target_of(self, job_id: str) -> str | None:
        """The clip (of the open project) this job makes a take for, if any."""
        return self.targets.get(job_id, self._project_key())

    # slots (GUI thread, through the bridge) ------------------------------------------------------------------
    def _note_thread(self) -> None:
        from PySide6.QtCore import QThread

        self.slot_threads.append(QThread.currentThread())
        del self.slot_threads[:-50]

    @Slot(str)
    def _on_started(self, job_id: str) -> None:
        self._note_thread()
        live = self.live_state(job_id)
        live.started_at, live.step, live.frames = time.monotonic(), 0, []
        self.job_updated.emit(job_id)

    @Slot(str, int, int, float)
    def _on_progress(self, job_id: str, step: int, steps: int, eta_s: float) -> None:
        self._note_thread()
        live = self.live_state(job_id)
        live.step, live.steps, live.eta_s = step, steps, eta_s
        self.job_updated.emit(job_id)

    @Slot(str, int, object)
    def _on_preview(self, job_id: str, step: int, frames: list) -> None:
        self._note_thread()
        images = [img for img in (QImage.fromData(data, "PNG") for data in frames) if not img.isNull()]
        if images:
            live = self.live_state(job_id)
            live.frames, live.preview_step = images, step
            self.job_updated.emit(job_id)

    @Slot(str, object)
    def _on_result(self, job_id: str, result: dict) -> None:
        self._note_thread()
        live = self.live_state(job_id)
        live.step = live.steps = live.steps or 1
        live.eta_s = 0.0
        if self.session.project is None:
            live.note = "Finished. Open or create a project, then press Import to add it to the media bin."
            self.message.emit("A generated clip finished; open a project to import it.")
        else:
            self._import(job_id, result)
        self.job_updated.emit(job_id)

    @Slot(str, object)
    def _on_failed(self, job_id: str, error: dict) -> None:
        self._note_thread()
        live = self.live_state(job_id)
        live.eta_s = 0.0
        kind = error.get("kind", "")
        if kind != "cancelled":
            self.message.emit(f"Generation failed: {error.get('message', kind)}")
        self.job_updated.emit(job_id)

    @Slot(str)
    def _on_queue_changed(self, _job_id: str) -> None:
        self._note_thread()
        self.jobs_changed.emit()

    # results -------------------------------------------------------------------------------------------------
    def _import(self, job_id: str, result: dict) -> bool:
        live = self.live_state(job_id)
        project = self.session.project
        if project is None:
            return False
        try:
            item = import_result(project, result)
        except StudioError as exc:
            live.note = f"Not imported: {exc}"
            self.message.emit(live.note)
            self.job_updated.emit(job_id)
            return False
        live.media_id = item.id
        live.note = f"In the media bin as {item.name or item.url}"
        self.imported.emit(job_id, item.id)
        clip_id = self.target_of(job_id)
        if clip_id:
            self._add_take(job_id, clip_id, item, result.get("recipe") or {})
        self.job_updated.emit(job_id)
        return True

    def _add_take(self, job_id: str, clip_id: str, item: Any, recipe: dict) -> None:
        live = self.live_state(job_id)
        try:
            edit = add_take_edit(self.session.timeline, clip_id, item, recipe, job_id)
        except StudioError as exc:
            live.note += f"; no take added: {exc}"
            self.message.emit(str(exc))
            return
        if self.session.do(edit):  # through the undo stack: Edit > Undo removes the take
            live.note += f"; added as take {edit.key!r}" + (" (active)" if edit.activate else "")
            self.take_added.emit(clip_id, edit.key)
        else:
            live.note += "; the take could not be added (see the status bar)"
