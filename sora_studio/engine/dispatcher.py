"""QueueRunner: feeds a JobQueue to an EngineClient one job at a time and records the outcomes.

The GUI's queue dock and headless tools share it: connect to `queue.changed` and the client's signals
for display; call `pump()` after adding jobs or resuming.
"""

from __future__ import annotations

import threading

from sora_studio.core.generation.queue import JobQueue
from sora_studio.engine.client import EngineClient


class QueueRunner:
    def __init__(self, queue: JobQueue, client: EngineClient) -> None:
        self.queue, self.client = queue, client
        self.running: str | None = None
        self._lock = threading.Lock()
        client.result.connect(self._on_result)
        client.failed.connect(self._on_failed)

    def pump(self) -> str | None:
        """Start the next queued job if none is running (and the queue is not paused); return its id."""
        with self._lock:
            if self.running is not None:
                return None
            job = self.queue.next_queued()
            if job is None:
                return None
            self.queue.mark_running(job.id)
            self.running = job.id
        self.client.submit(job.request, job.output, job_id=job.id)
        return job.id

    def cancel(self, job_id: str) -> None:
        if job_id == self.running:
            self.client.cancel(job_id)
        else:
            self.queue.cancel(job_id)

    def _on_result(self, job_id: str, result: dict) -> None:
        if self._finish(job_id):
            self.queue.mark_done(job_id, result)
            self.pump()

    def _on_failed(self, job_id: str, error: dict) -> None:
        if self._finish(job_id):
            self.queue.mark_failed(job_id, error)
            self.pump()

    def _finish(self, job_id: str) -> bool:
        with self._lock:
            if job_id != self.running:
                return False
            self.running = None
            return True
