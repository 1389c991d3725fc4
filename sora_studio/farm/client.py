"""FarmClient: EngineClient's event surface over a pool of RenderWorker actors on a Ray cluster.

    farm = FarmClient()                        # joins `farm start`'s head / RAY_ADDRESS, else a local loopback one
    farm.progress.connect(lambda job_id, step, steps, eta_s: ...)
    job_id = farm.submit(request, "out.mp4")   # policy-checked here, then again on the worker
    farm.wait(job_id)                          # -> {"type": "result", media, recipe, ...} or {"type": "failed", ...}

Same Signals as engine.client.EngineClient (started, progress, preview, result, failed), so the queue can
render on the farm instead of the local worker. Extra: `retried(job_id, attempt, reason)`.

Fault tolerance: a worker that dies mid-job (process killed, node lost) fails only that attempt; the job goes
back to the front of the queue and runs on another worker (up to `max_attempts`). Ray restarts the dead actor
(max_restarts=-1) and it rejoins the pool once it answers. Outputs are written atomically by one writer (this
client, or the worker on shared storage), and a retry renders the same recipe to the same path, so a lost
attempt leaves no partial file and nothing to clean up.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from sora_studio.core.events import Signal
from sora_studio.core.fsutil import atomic_write_bytes, atomic_write_text
from sora_studio.core.generation.policy import check_request
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.engine.job_table import JobTable, TrackedJob, failure
from sora_studio.errors import BadInput, Refused, StudioError
from sora_studio.farm.cluster import Connection, connect, disconnect, import_ray
from sora_studio.farm.inputs import pack_inputs
from sora_studio.farm.ledger_sync import record_farm_generation
from sora_studio.farm.pool import WorkerPool


@dataclass(eq=False)
class _Job(TrackedJob):
    inputs: dict = field(default_factory=dict)
    attempts: int = 0
    avoid: set[int] = field(default_factory=set)  # workers whose attempt died: try elsewhere first
    worker: int | None = None
    ref: object = None  # the render ObjectRef of the current attempt
    poll_ref: object = None
    cancel_at: float | None = None


class FarmClient:
    def __init__(self, address: str | None = None, workers: int | None = None, env: dict[str, str] | None = None,
                 shared_storage: bool = False, max_attempts: int = 3, cancel_grace_s: float = 10.0,
                 poll_s: float = 0.1, local_cpus: int | None = None) -> None:
        self.started = Signal()  # (job_id)
        self.progress = Signal()  # (job_id, step, steps, eta_s)
        self.preview = Signal()  # (job_id, step, frames: list[str] base64 PNG)
        self.result = Signal()  # (job_id, result dict)
        self.failed = Signal()  # (job_id, error dict {kind, message})
        self.retried = Signal()  # (job_id, attempt, reason)
        self.shared_storage, self.max_attempts = shared_storage, max_attempts
        self.cancel_grace_s, self.poll_s = cancel_grace_s, poll_s
        self._ray = import_ray()
        self.connection: Connection = connect(address, local_cpus)
        self.pool = WorkerPool(self._ray, workers, env)
        self._lock = threading.RLock()
        self._pending: deque[str] = deque()
        self._jobs: JobTable[_Job] = JobTable(self._lock, self.result, self.failed)
        self._closed = False
        self._thread = threading.Thread(target=self._loop, daemon=True, name="farm-scheduler")
        self._thread.start()

    # public API ---------------------------------------------------------------------------------------------
    def submit(self, request: GenerationRequest | dict, output: str | os.PathLike[str],
               job_id: str | None = None) -> str:
        """Policy-check and queue a job for the next free worker; returns its id (refusals arrive as `failed`)."""
        job_id = job_id or uuid.uuid4().hex[:12]
        data = request.to_dict() if isinstance(request, GenerationRequest) else dict(request)
        job = self._jobs.add(_Job(job_id, data, os.path.abspath(os.fspath(output))))
        try:
            req = GenerationRequest.from_dict(data)
            check_request(req)  # before dispatch: a refused request never leaves this machine
            job.inputs = pack_inputs(req)
        except Refused as exc:
            self._finish(job, failure("refused", str(exc)))
            return job_id
        except BadInput as exc:
            self._finish(job, failure("bad_input", str(exc)))
            return job_id
        with self._lock:
            self._pending.append(job_id)
        return job_id

    def cancel(self, job_id: str) -> None:
        """Waiting jobs are dropped; a running job is asked to stop after its step, then its worker is killed."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.cancel_requested:
                return
            job.cancel_requested = True
            if job_id in self._pending:
                self._pending.remove(job_id)
                waiting = True
            else:
                waiting = False
                job.cancel_at = time.monotonic()
                if job.worker is not None:
                    self.pool.handle(job.worker).cancel.remote(job_id)
        if waiting:
            self._finish(job, failure("cancelled", "cancelled before it started"))

    def wait(self, job_id: str, timeout: float | None = None) -> dict | None:
        """Block until the job has a final message (result or failed); None on timeout."""
        return self._jobs.wait(job_id, timeout)

    @property
    def busy(self) -> bool:
        return self._jobs.busy

    def worker_of(self, job_id: str) -> dict | None:
        """info() (pid, node, device) of the worker running `job_id` now; None while it waits."""
        with self._lock:
            job = self._jobs.get(job_id)
            index = job.worker if job is not None else None
        return self.pool.known.get(index) if index is not None else None

    def worker_info(self) -> list[dict]:
        """pid/node/device of every live worker (waits for workers still starting)."""
        return self.pool.info()

    def close(self) -> None:
        """Cancel what is left, stop the workers, and leave the cluster (stopping it if we started it)."""
        with self._lock:
            self._closed = True
            leftover = list(self._jobs.jobs())
            self._pending.clear()
        for job in leftover:
            self._finish(job, failure("cancelled", "the farm client was closed"))
        self._thread.join(timeout=10)
        self.pool.close()
        disconnect(self.connection)

    # scheduler thread -----------------------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._closed:
            try:
                self._step()
            except Exception:  # never let the scheduler die silently: jobs would hang in wait()
                import traceback

                traceback.print_exc(file=sys.stderr)
                time.sleep(1.0)

    def _step(self) -> None:
        """One scheduler round: dispatch, wait a poll interval for results, deliver events and outcomes."""
        with self._lock:
            if self._closed:
                return
            self._dispatch()
            running = [j for j in self._jobs.jobs() if j.ref is not None]
        self.pool.check_recovering()
        if not running:
            time.sleep(self.poll_s)
            return
        ready, _ = self._ray.wait([j.ref for j in running], num_returns=len(running), timeout=self.poll_s)
        finished = [j for j in running if j.ref in set(ready)]
        self._pull_events(running, finished)
        for job in running:
            if job in finished:
                self._complete(job)
            elif job.cancel_at is not None and time.monotonic() - job.cancel_at > self.cancel_grace_s:
                job.cancel_at = None
                self.pool.kill(job.worker)  # the step did not return in time: end the process

    def _dispatch(self) -> None:
        while self._pending:
            job = self._jobs.unfinished[self._pending[0]]
            index = self.pool.acquire(avoid=job.avoid)
            if index is None:
                return
            self._pending.popleft()
            job.attempts += 1
            job.worker = index
            shared = job.output if self.shared_storage else None
            job.ref = self.pool.handle(index).render.remote(job.job_id, job.request, job.inputs, shared)

    def _pull_events(self, running: list[_Job], finished: list[_Job]) -> None:
        """Deliver buffered started/progress/preview events; one poll in flight per job at a time."""
        for job in running:
            if job.poll_ref is None:
                job.poll_ref = self.pool.handle(job.worker).poll.remote(job.job_id)
        refs = [j.poll_ref for j in running]
        ready, _ = self._ray.wait(refs, num_returns=len(refs), timeout=2.0 if finished else 0)
        ready = set(ready)
        for job in running:
            if job.poll_ref not in ready:
                continue
            try:
                events = self._ray.get(job.poll_ref)
            except self._ray.exceptions.RayError:
                events = []  # the worker died: its render ref reports it
            job.poll_ref = None
            for event in events:
                self._emit_event(job, event)
            if job in finished:  # render finished: drain what it pushed after this poll was taken
                try:
                    for event in self._ray.get(self.pool.handle(job.worker).poll.remote(job.job_id), timeout=5):
                        self._emit_event(job, event)
                except self._ray.exceptions.RayError:
                    pass

    def _emit_event(self, job: _Job, event: dict) -> None:
        kind = event["type"]
        if kind == "started":
            if not job.started:
                job.started = True
                self.started.emit(job.job_id)
        elif kind == "progress":
            self.progress.emit(job.job_id, event["step"], event["steps"], event.get("eta_s", 0.0))
        elif kind == "preview":
            self.preview.emit(job.job_id, event["step"], event.get("frames", []))

    def _complete(self, job: _Job) -> None:
        ray = self._ray
        ref, worker = job.ref, job.worker
        job.ref = job.poll_ref = None
        try:
            message = ray.get(ref)
        except ray.exceptions.RayActorError as exc:
            self.pool.mark_lost(worker)
            self._worker_lost(job, worker, exc)
            return
        except ray.exceptions.RayError as exc:
            self.pool.release(worker)
            self._finish(job, failure("runtime", f"the farm could not run the job: {exc}"))
            return
        self.pool.release(worker)
        if message["type"] == "result":
            try:
                message = self._store_result(job, message)
            except (OSError, StudioError) as exc:
                message = failure("runtime", f"cannot store the result at {job.output}: {exc}")
        self._finish(job, message)

    def _worker_lost(self, job: _Job, worker: int, exc: Exception) -> None:
        if job.cancel_requested:
            self._finish(job, failure("cancelled", "cancelled (the farm worker was stopped)"))
            return
        reason = f"farm worker {worker} died during attempt {job.attempts} ({type(exc).__name__})"
        if job.attempts >= self.max_attempts:
            self._finish(job, failure("crashed", f"{reason}; gave up after {job.attempts} attempts. Retry it."))
            return
        with self._lock:
            job.avoid.add(worker)
            job.worker = None
            self._pending.appendleft(job.job_id)
        self.retried.emit(job.job_id, job.attempts + 1, reason)

    def _store_result(self, job: _Job, message: dict) -> dict:
        """Write MP4 + recipe atomically (bytes mode) and return the engine-shaped result message."""
        worker_info = message.pop("worker", {})
        if "media_bytes" in message:
            out = Path(job.output)
            out.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(out, message.pop("media_bytes"))
            sidecar = out.with_suffix(out.suffix + ".recipe.json")
            atomic_write_text(sidecar, json.dumps(message["recipe"], indent=2, sort_keys=True))
            message.update(media=str(out), recipe_file=str(sidecar))
        message["farm"] = {"attempts": job.attempts, "worker": worker_info}
        record_farm_generation(message["media"], message["recipe"], worker_info)  # so `verify` knows it here
        return message

    def _finish(self, job: _Job, message: dict) -> None:
        self._jobs.finish(job.job_id, message)

