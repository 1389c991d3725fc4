"""EngineClient: the UI's and CLI's handle on the worker process (Qt-free).

    client = EngineClient()
    client.progress.connect(lambda job_id, step, steps, eta_s: ...)
    client.preview.connect(lambda job_id, step, frames_b64_png: ...)
    client.result.connect(lambda job_id, result: ...)       # result: {media, recipe, notices, ...}
    client.failed.connect(lambda job_id, error: ...)        # error: {kind, message}
    job_id = client.submit(request, "out.mp4")
    client.cancel(job_id)
    client.wait(job_id, timeout=600)  -> the final message (result or failed)

Signals fire on the client's reader thread: a GUI must marshal them to its own thread. Cancel escalates:
cancel message -> (grace) SIGTERM -> (grace) SIGKILL. If the worker dies (crash, OOM kill, escalated
cancel), the running job is reported failed and a fresh worker takes the jobs still waiting.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid

from sora_studio.core.events import Signal
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.engine import protocol
from sora_studio.engine.job_table import JobTable, TrackedJob, failure


class EngineClient:
    def __init__(self, env: dict[str, str] | None = None, cancel_grace_s: float = 10.0, kill_grace_s: float = 3.0,
                 python: str = sys.executable) -> None:
        self.started = Signal()  # (job_id)
        self.progress = Signal()  # (job_id, step, steps, eta_s)
        self.preview = Signal()  # (job_id, step, frames: list[str] base64 PNG)
        self.result = Signal()  # (job_id, result dict)
        self.failed = Signal()  # (job_id, error dict {kind, message})
        self.worker_started = Signal()  # (pid)
        self.worker_exited = Signal()  # (returncode)
        self.cancel_grace_s, self.kill_grace_s = cancel_grace_s, kill_grace_s
        self._env = {**os.environ, **(env or {})}
        self._python = python
        self._lock = threading.RLock()
        self._proc: subprocess.Popen | None = None
        self._jobs: JobTable[TrackedJob] = JobTable(self._lock, self.result, self.failed)
        self._closing = False
        self.restarts = 0

    # public API ---------------------------------------------------------------------------------------------
    def submit(self, request: GenerationRequest | dict, output: str | os.PathLike[str],
               job_id: str | None = None) -> str:
        """Policy-check and queue a job on the worker (starting it if needed); returns the job id.

        A refused or invalid request never reaches the worker: it finishes at once with a `failed` event
        (kind 'refused' or 'bad_input'), and the refusal is in the safety audit log.
        """
        job_id = job_id or uuid.uuid4().hex[:12]
        data = request.to_dict() if isinstance(request, GenerationRequest) else dict(request)
        job = self._jobs.add(TrackedJob(job_id, data, os.fspath(output)))
        problem = _admit(data, job_id)
        if problem is not None:
            self._jobs.finish(job_id, failure(*problem, job_id=job_id))
            return job_id
        with self._lock:
            self._closing = False
            self._ensure_worker()
            self._send(protocol.encode("submit", job_id=job_id, request=data, output=job.output))
        return job_id

    def cancel(self, job_id: str) -> None:
        """Ask the worker to stop the job after its current step; escalate if it does not answer."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.cancel_requested:
                return
            job.cancel_requested = True
            proc = self._proc
            self._send(protocol.encode("cancel", job_id=job_id))
        if job.started and proc is not None:
            threading.Thread(target=self._escalate, args=(job, proc), daemon=True).start()

    def wait(self, job_id: str, timeout: float | None = None) -> dict | None:
        """Block until the job has a final message (result or failed); None on timeout."""
        return self._jobs.wait(job_id, timeout)

    @property
    def worker_pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    @property
    def busy(self) -> bool:
        return self._jobs.busy

    def close(self, timeout: float = 10.0) -> None:
        """Stop the worker (unfinished jobs are reported as cancelled)."""
        with self._lock:
            self._closing = True
            proc = self._proc
            if proc is not None and proc.poll() is None:
                self._send(protocol.encode("shutdown"))
        if proc is not None:
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()

    # worker lifecycle ---------------------------------------------------------------------------------------
    def _ensure_worker(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        self._proc = subprocess.Popen(
            [self._python, "-m", "sora_studio.engine.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=None, text=True, encoding="utf-8", bufsize=1, env=self._env, start_new_session=True,
        )
        threading.Thread(target=self._read, args=(self._proc,), daemon=True, name="engine-reader").start()
        self.worker_started.emit(self._proc.pid)

    def _send(self, line: str) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None:
            return
        try:
            proc.stdin.write(line)
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the reader thread notices the exit and recovers

    def _read(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                msg = protocol.decode(line)
            except protocol.ProtocolError:
                continue
            self._dispatch(msg)
        returncode = proc.wait()
        self.worker_exited.emit(returncode)
        self._on_worker_exit(proc, returncode)

    def _dispatch(self, msg: dict) -> None:
        kind, job_id = msg["type"], str(msg.get("job_id", ""))
        if kind == "started":
            with self._lock:
                job = self._jobs.get(job_id)
                if job:
                    job.started = True
            self.started.emit(job_id)
        elif kind == "progress":
            self.progress.emit(job_id, msg["step"], msg["steps"], msg.get("eta_s", 0.0))
        elif kind == "preview":
            self.preview.emit(job_id, msg["step"], msg.get("frames", []))
        elif kind in ("result", "failed"):
            self._jobs.finish(job_id, msg)

    def _on_worker_exit(self, proc: subprocess.Popen, returncode: int) -> None:
        """Fail the running job, then restart a worker for the jobs that were still waiting."""
        with self._lock:
            if proc is not self._proc:
                return
            self._proc = None
            running = [j for j in self._jobs.jobs() if j.started]
            if getattr(proc, "stopped_by_client", False):
                # we stopped it to end a cancelled job; a job the worker had started meanwhile (the cancel
                # landed before our signal) was not the target: it runs again on the fresh worker
                for job in running:
                    if not job.cancel_requested:
                        job.started = False
                running = [j for j in running if j.started]
            waiting = [j for j in self._jobs.jobs() if not j.started]
        for job in running:
            if job.cancel_requested:
                self._jobs.finish(job.job_id, failure("cancelled", "cancelled (the engine was stopped)", job.job_id))
            else:
                self._jobs.finish(job.job_id, failure("crashed", _crash_message(returncode), job.job_id))
        if self._closing:
            for job in waiting:
                self._jobs.finish(job.job_id, failure("cancelled", "the engine was shut down", job.job_id))
            return
        with self._lock:
            pending = [j for j in self._jobs.jobs() if not j.started]
            if not pending:
                return
            self.restarts += 1
            self._ensure_worker()
            for job in pending:
                self._send(protocol.encode("submit", job_id=job.job_id, request=job.request, output=job.output))

    def _escalate(self, job: TrackedJob, proc: subprocess.Popen) -> None:
        if job.done.wait(self.cancel_grace_s):
            return
        proc.stopped_by_client = True  # type: ignore[attr-defined]  # read by _on_worker_exit
        _signal_group(proc, signal.SIGTERM)
        if job.done.wait(self.kill_grace_s):
            return
        _signal_group(proc, signal.SIGKILL)


def _admit(data: dict, job_id: str) -> tuple[str, str] | None:
    """The submit-time policy check; fixes the requesting profile in `data`. (kind, message) when refused."""
    from sora_studio.core.generation.policy import LOCAL_PROFILE_ID, check_request
    from sora_studio.errors import BadInput, Refused

    try:
        with check_request(GenerationRequest.from_dict(data), stage="submit", job_id=job_id) as clearance:
            if clearance.requester.id != LOCAL_PROFILE_ID:
                data["requester"] = clearance.requester.id  # the worker checks the same profile again
    except Refused as exc:
        return "refused", str(exc)
    except BadInput as exc:
        return "bad_input", str(exc)
    except TypeError as exc:  # a malformed request dict
        return "bad_input", f"malformed request: {exc}"
    return None


def _crash_message(returncode: int) -> str:
    if returncode < 0:
        sig = -returncode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        hint = " (killed: often out of memory)" if sig == signal.SIGKILL else ""
        return f"the engine process stopped with signal {name}{hint}; the job was not finished. Retry it."
    return f"the engine process exited with code {returncode}; the job was not finished. Retry it."


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)  # the worker runs in its own session: its children go too
    except (ProcessLookupError, PermissionError):
        pass
