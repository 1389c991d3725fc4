"""The storyboard's ShotGenerator backed by the engine worker: one request in, one finished clip out."""

from __future__ import annotations

from pathlib import Path

from sora_studio.engine.protocol import result_or_raise
from sora_studio.errors import Cancelled


class EngineGenerator:
    """ShotGenerator that submits each request to the engine worker and waits for its result."""

    def __init__(self) -> None:
        from sora_studio.engine.client import EngineClient

        self.client = EngineClient()
        self.client.progress.connect(self._on_progress)
        self.current_progress = None
        self.loaded_model: str | None = None  # the worker keeps the last model loaded

    def _on_progress(self, _job: str, step: int, steps: int, _eta: float) -> None:
        if self.current_progress is not None:
            self.current_progress(step, steps)

    def __call__(self, request, output: Path, progress=None):
        from sora_studio.core.storyboard.generator import GeneratedMedia

        self.current_progress = progress
        job_id = self.client.submit(request, output)
        try:
            final = self.client.wait(job_id)
        except KeyboardInterrupt:
            self.client.cancel(job_id)
            self.client.wait(job_id, timeout=30)
            raise Cancelled("storyboard cancelled; the shots already made are kept in the project") from None
        result = result_or_raise(final)
        self.loaded_model = request.model_id
        return GeneratedMedia(Path(result["media"]), result["recipe"], list(result.get("notices", [])))

    def close(self) -> None:
        self.client.close()
