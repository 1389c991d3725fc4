"""How the storyboard gets clips made: a `ShotGenerator` turns (request, output path) into a written MP4.

The CLI and GUI pass one that submits to the engine worker process (sora_studio.engine.client); the core
only knows this protocol. `InProcessGenerator` runs the same runner in this process (benchmarks, tests and
headless tools that already own a model cache).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from sora_studio.core.generation.request import GenerationRequest
from sora_studio.errors import BadInput

ProgressFn = Callable[[int, int], None]  # (step, steps) of the current generation


@dataclass
class GeneratedMedia:
    """A written clip: the MP4, its recipe (diffusers argument names) and the seconds spent in the pipeline."""

    path: Path
    recipe: dict[str, Any]
    notices: list[str] = field(default_factory=list)
    pipeline_s: float | None = None


class ShotGenerator(Protocol):
    def __call__(self, request: GenerationRequest, output: Path,
                 progress: ProgressFn | None = None) -> GeneratedMedia: ...


class InProcessGenerator:
    """Runs requests with the engine's runner in this process, keeping the loaded model between shots."""

    def __init__(self, should_cancel: Callable[[], bool] | None = None) -> None:
        from sora_studio.core.generation.runner import ModelCache

        self.cache = ModelCache()
        self.should_cancel = should_cancel
        self.pipeline_seconds = 0.0  # inside the diffusers pipeline calls
        self.setup_seconds = 0.0  # checks, model (re)loading, planning the recipe
        self.write_seconds = 0.0  # encoding the MP4 and its recipe sidecar

    @property
    def loaded_model(self) -> str | None:
        """The model id currently loaded (the storyboard runs shots on it first)."""
        return self.cache.loaded.manifest.id if self.cache.loaded is not None else None

    def __call__(self, request: GenerationRequest, output: Path, progress: ProgressFn | None = None) -> GeneratedMedia:
        from sora_studio.core.generation.runner import generate, write_output

        started = time.perf_counter()
        out = generate(request, self.cache, progress=(lambda s, n, _eta: progress(s, n)) if progress else None,
                       should_cancel=self.should_cancel)
        generated = time.perf_counter()
        inside = out.timings.get("total_s", generated - started)
        self.pipeline_seconds += inside
        self.setup_seconds += max(0.0, generated - started - inside)
        result = write_output(out, output)
        self.write_seconds += time.perf_counter() - generated
        return GeneratedMedia(Path(result["media"]), result["recipe"], list(result.get("notices", [])), inside)


def last_frame(path: str | Path) -> np.ndarray:
    """The last decoded frame of a video as uint8 RGB [H, W, 3] (what a continuation starts from)."""
    import av

    frame = None
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise BadInput(f"{path} has no video to continue from")
            for decoded in container.decode(video=0):
                frame = decoded
    except av.error.FFmpegError as exc:
        raise BadInput(f"cannot decode {path} to continue from it: {exc}") from exc
    if frame is None:
        raise BadInput(f"{path} has no decodable frames to continue from")
    return frame.to_ndarray(format="rgb24")


def write_png(frame: np.ndarray, path: Path) -> Path:
    """Write a frame as PNG (lossless, so the conditioning image is exactly the frame)."""
    from PIL import Image

    from sora_studio.core.fsutil import atomic_output

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        Image.fromarray(frame).save(tmp, format="PNG")
    return path
