"""The storyboard's ShotGenerator backed by the engine worker: one request in, one finished clip out.

`cancel()` (from any thread, e.g. the GUI's Stop) cancels the engine job in progress (the worker stops
within one denoising step and writes no file) and refuses further calls until `resume()`, so a call that
was about to be submitted when Stop came cannot slip through.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sora_studio.engine.protocol import result_or_raise
from sora_studio.errors import Cancelled

CANCELLED = "storyboard stopped; the shots already made are kept in the project"


class EngineGenerator:
    """ShotGenerator that submits each request to the engine worker and waits for its result."""

    def __init__(self) -> None:
        from sora_studio.engine.client import EngineClient

        self.client = EngineClient()
        self.client.progress.connect(self._on_progress)
        self.current_progress = None
        self.loaded_model: str | None = None  # the worker keeps the last model loaded
        self._lock = threading.Lock()
        self._job_id: str | None = None
        self._cancelled = False

    def _on_progress(self, job: str, step: int, steps: int, _eta: float) -> None:
        if self.current_progress is not None and job == self._job_id:
            self.current_progress(step, steps)

    def __call__(self, request, output: Path, progress=None):
        from sora_studio.core.storyboard.generator import GeneratedMedia

        with self._lock:  # checked and submitted under the lock cancel() takes: no job escapes a Stop
            if self._cancelled:
                raise Cancelled(CANCELLED)
            self.current_progress = progress
            job_id = self._job_id = self.client.submit(request, output)
        try:
            final = self.client.wait(job_id)
        except KeyboardInterrupt:
            self.client.cancel(job_id)
            self.client.wait(job_id, timeout=30)
            raise Cancelled(CANCELLED) from None
        finally:
            with self._lock:
                self._job_id, self.current_progress = None, None
        result = result_or_raise(final)
        self.loaded_model = request.model_id
        return GeneratedMedia(Path(result["media"]), result["recipe"], list(result.get("notices", [])))

    def cancel(self) -> None:
        """Cancel the job in progress (the call raises Cancelled) and refuse new calls until resume()."""
        with self._lock:
            self._cancelled = True
            job_id = self._job_id
        if job_id is not None:
            self.client.cancel(job_id)

    def resume(self) -> None:
        """Accept calls again after cancel() (a new run)."""
        with self._lock:
            self._cancelled = False

    def close(self) -> None:
        self.client.close()
