"""A fake engine for the Generate/Queue UI tests (UI tests only: the real engine has its own test here too).

It has EngineClient's Signals and methods and, like the real client, fires them from a background thread:
started, one progress + preview per step, then a result with a real encoded MP4 and recipe sidecar (or a
failure). `hold()` stops jobs before their next step until `allow(n)` lets n more steps run (or `release()` lets
everything run), so a test can look at a running job at a known step.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from sora_studio.core.events import Signal


def png_b64(colour: tuple[int, int, int], size: int = 32) -> str:
    import cv2

    image = np.zeros((size, size, 3), dtype=np.uint8)
    image[:] = colour[::-1]  # OpenCV writes BGR
    ok, data = cv2.imencode(".png", image)
    assert ok
    return base64.b64encode(data.tobytes()).decode()


def step_colour(step: int) -> tuple[int, int, int]:
    return (min(255, 40 * step), 80, max(0, 200 - 40 * step))


class FakeEngine:
    def __init__(self) -> None:
        self.started, self.progress, self.preview = Signal(), Signal(), Signal()
        self.result, self.failed = Signal(), Signal()
        self.worker_started, self.worker_exited = Signal(), Signal()
        self._cond = threading.Condition()
        self._held = False
        self._tokens = 0
        self.submitted: list[tuple[str, dict, str]] = []
        self.cancel_requests: list[str] = []
        self.crash_next = False
        self.emit_threads: set[int] = set()
        self.closed = False
        self._threads: list[threading.Thread] = []

    def submit(self, request, output, job_id=None) -> str:
        data = request.to_dict() if hasattr(request, "to_dict") else dict(request)
        self.submitted.append((job_id, data, str(output)))
        thread = threading.Thread(target=self._run, args=(job_id, data, str(output)), daemon=True)
        self._threads.append(thread)
        thread.start()
        return job_id

    def hold(self) -> None:
        with self._cond:
            self._held, self._tokens = True, 0

    def allow(self, steps: int = 1) -> None:
        with self._cond:
            self._tokens += steps
            self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()

    def _may_step(self, job_id: str) -> bool:
        """Wait for permission to run a step; False when the job was cancelled or the engine closed."""
        with self._cond:
            while True:
                if self.closed or job_id in self.cancel_requests:
                    return False
                if not self._held:
                    return True
                if self._tokens > 0:
                    self._tokens -= 1
                    return True
                self._cond.wait(0.05)

    def cancel(self, job_id: str) -> None:
        self.cancel_requests.append(job_id)
        with self._cond:
            self._cond.notify_all()

    def close(self, timeout: float = 5.0) -> None:
        self.closed = True
        self.release()
        for thread in self._threads:
            thread.join(timeout)

    def _emit(self, signal, *args) -> None:
        self.emit_threads.add(threading.get_ident())
        signal.emit(*args)

    def _run(self, job_id: str, request: dict, output: str) -> None:
        steps = int(request.get("steps") or 2)
        self._emit(self.started, job_id)
        for step in range(1, steps + 1):
            if not self._may_step(job_id):
                self._emit(self.failed, job_id, {"kind": "cancelled",
                                                 "message": f"cancelled after step {step - 1} of {steps}"})
                return
            time.sleep(0.005)
            self._emit(self.preview, job_id, step, [png_b64(step_colour(step)), png_b64((255, 255, 255))])
            self._emit(self.progress, job_id, step, steps, 0.5 * (steps - step))
        if self.crash_next:
            self.crash_next = False
            message = ("the engine process stopped with signal SIGKILL (killed: often out of memory); "
                       "the job was not finished. Retry it.")
            self._emit(self.failed, job_id, {"kind": "crashed", "message": message})
            return
        self._emit(self.result, job_id, write_fake_clip(Path(output), request))


def write_fake_clip(path: Path, request: dict) -> dict:
    """A real H.264 MP4 (tiny, 12 frames at 24 fps) plus its recipe sidecar, as the worker writes them."""
    from sora_studio.core.media.encode import write_clip

    frames = np.zeros((12, 32, 32, 3), dtype=np.uint8)
    frames[..., 0] = np.linspace(0, 255, 12, dtype=np.uint8)[:, None, None]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_clip(path, frames, 24)
    recipe = {"model_id": request.get("model_id"), "prompt": request.get("prompt"), "seed": request.get("seed"),
              "num_inference_steps": request.get("steps"), "num_frames": 12, "fps": 24, "width": 32, "height": 32}
    sidecar = Path(str(path) + ".recipe.json")
    sidecar.write_text(json.dumps(recipe))
    return {"media": str(path), "recipe_file": str(sidecar), "recipe": recipe, "notices": [],
            "produces_noise": True}


@pytest.fixture
def fake_engine():
    engine = FakeEngine()
    yield engine
    engine.close()


@pytest.fixture
def gen_ui(window, fake_engine, tmp_path):
    """The main window (demo project open) with the Generate and Queue docks on a fake engine."""
    from sora_studio.core.generation.queue import JobQueue
    from sora_studio.ui.generate import install

    queue = JobQueue(tmp_path / "jobs.sqlite", outputs_dir=tmp_path / "renders")
    ui = install(window, client=fake_engine, queue=queue)
    yield ui
    fake_engine.release()
    ui.controller.shutdown()
    queue.close()
