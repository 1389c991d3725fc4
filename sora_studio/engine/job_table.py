"""The job bookkeeping shared by the local engine client and the farm client (Qt-free).

Both clients keep their unfinished jobs in submission order, let callers `wait()` for a job's final message
(result or failed), and end a job in exactly one way: remove it from the unfinished jobs, keep its final
message, emit `result` or `failed`, then wake the waiters. A job ends once; later messages are ignored.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sora_studio.core.events import Signal


@dataclass(eq=False)
class TrackedJob:
    job_id: str
    request: dict
    output: str
    started: bool = False
    cancel_requested: bool = False
    final: dict | None = None
    done: threading.Event = field(default_factory=threading.Event)


J = TypeVar("J", bound=TrackedJob)


def failure(kind: str, message: str, job_id: str | None = None) -> dict:
    """A `failed` protocol message (kind: refused, bad_input, cancelled, crashed, out_of_memory, runtime)."""
    msg: dict = {"type": "failed", "error": {"kind": kind, "message": message}}
    if job_id is not None:
        msg["job_id"] = job_id
    return msg


class JobTable(Generic[J]):
    """Unfinished jobs (submission order) and finished ones, guarded by the owning client's lock."""

    def __init__(self, lock: threading.RLock, result: Signal, failed: Signal) -> None:
        self.lock = lock
        self.result, self.failed = result, failed
        self.unfinished: OrderedDict[str, J] = OrderedDict()
        self.finished: dict[str, J] = {}

    def add(self, job: J) -> J:
        with self.lock:
            self.unfinished[job.job_id] = job
        return job

    def get(self, job_id: str) -> J | None:
        """The unfinished job with this id (None once it has ended)."""
        with self.lock:
            return self.unfinished.get(job_id)

    def jobs(self) -> Iterator[J]:
        """A snapshot of the unfinished jobs, oldest first."""
        with self.lock:
            return iter(list(self.unfinished.values()))

    @property
    def busy(self) -> bool:
        return bool(self.unfinished)

    def wait(self, job_id: str, timeout: float | None = None) -> dict | None:
        """Block until the job has a final message (result or failed); None on timeout; KeyError if unknown."""
        with self.lock:
            job = self.unfinished.get(job_id) or self.finished.get(job_id)
        if job is None:
            raise KeyError(job_id)
        job.done.wait(timeout)
        return job.final

    def finish(self, job_id: str, message: dict) -> bool:
        """End the job with `message` (a result or failed message); False if it had already ended."""
        with self.lock:
            job = self.unfinished.pop(job_id, None)
            if job is None:
                return False
            job.final = {**message, "job_id": job_id}
            self.finished[job_id] = job
        if message["type"] == "result":
            self.result.emit(job_id, {k: v for k, v in message.items() if k not in ("type", "job_id")})
        else:
            self.failed.emit(job_id, message["error"])
        job.done.set()
        return True
