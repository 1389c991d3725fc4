"""RenderWorker: the farm's GPU (or CPU) worker, a Ray actor that renders one job at a time.

It is the engine worker's twin: a persistent ModelCache, the same runner (manifests, loader, policy check,
step loop with progress/preview/cancel), the same result shape. Differences: events are buffered and pulled by
the client (`poll`), input files arrive as bytes, and the MP4 + recipe come back as bytes unless the farm has
shared storage, in which case they are written (atomically) straight to the final path.

The actor is threaded (max_concurrency > 1) so that `cancel` and `poll` run while `render` is busy.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from pathlib import Path

MAX_BUFFERED_PREVIEWS = 1  # a client that polls slowly gets the newest preview, not a backlog


class RenderWorker:
    def __init__(self, env: dict[str, str] | None = None) -> None:
        os.environ.update(env or {})  # per-node settings: SORA_STUDIO_HOME, HF_HOME, SORA_STUDIO_DEVICE ...
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        self._lock = threading.Lock()
        self._events: dict[str, list[dict]] = {}
        self._cancelled: set[str] = set()
        self._cache = None
        self._render_lock = threading.Lock()  # one job at a time, like the engine worker

    def info(self) -> dict:
        """Who am I: pid (the test kills it), node, device, GPUs Ray gave this actor."""
        import ray

        from sora_studio.core.generation.devices import EngineSettings, pick_device

        return {"pid": os.getpid(), "host": socket.gethostname(), "node_ip": ray.util.get_node_ip_address(),
                "gpus": [str(g) for g in ray.get_gpu_ids()], "device": pick_device(EngineSettings.load().device)}

    def cancel(self, job_id: str) -> None:
        with self._lock:
            self._cancelled.add(job_id)

    def poll(self, job_id: str) -> list[dict]:
        """Events (started/progress/preview) since the last poll, oldest first."""
        with self._lock:
            return self._events.pop(job_id, [])

    def _push(self, job_id: str, event: dict) -> None:
        with self._lock:
            queue = self._events.setdefault(job_id, [])
            if event["type"] == "preview":
                previews = [e for e in queue if e["type"] == "preview"]
                for old in previews[: max(0, len(previews) - MAX_BUFFERED_PREVIEWS + 1)]:
                    queue.remove(old)
            queue.append(event)

    def render(self, job_id: str, request: dict, inputs: dict, shared_output: str | None = None) -> dict:
        """Run one job; returns a `result` or `failed` message (only the death of this process raises)."""
        with self._render_lock:
            try:
                return self._render(job_id, request, inputs, shared_output)
            finally:
                with self._lock:
                    self._cancelled.discard(job_id)

    def _render(self, job_id: str, request_data: dict, inputs: dict, shared_output: str | None) -> dict:
        import torch

        from sora_studio.core.generation.policy import check_request
        from sora_studio.core.generation.request import GenerationRequest
        from sora_studio.core.generation.runner import ModelCache, generate, write_output
        from sora_studio.errors import BadInput, Cancelled, Refused, StudioError
        from sora_studio.farm.inputs import unpack_inputs

        self._push(job_id, {"type": "started"})
        if job_id in self._cancelled:
            return _failed("cancelled", "cancelled before it started")
        try:
            with tempfile.TemporaryDirectory(prefix="sora-farm-") as tmp:
                request = unpack_inputs(GenerationRequest.from_dict(request_data), inputs, Path(tmp))
                check_request(request)  # again here: the worker node's own policy and manifests decide too
                if self._cache is None:
                    self._cache = ModelCache()
                output = generate(
                    request, self._cache,
                    progress=lambda step, steps, eta: self._push(
                        job_id, {"type": "progress", "step": step, "steps": steps, "eta_s": round(eta, 3)}),
                    preview=lambda step, frames: self._push(
                        job_id, {"type": "preview", "step": step, "format": "png", "frames": frames}),
                    should_cancel=lambda: job_id in self._cancelled,
                )
                if shared_output:
                    result = write_output(output, shared_output)
                else:
                    result = write_output(output, Path(tmp) / "clip.mp4")
                    result["media_bytes"] = Path(result.pop("media")).read_bytes()
                    result.pop("recipe_file")
            return {"type": "result", **result, "worker": self.info()}
        except Cancelled as exc:
            return _failed("cancelled", str(exc))
        except Refused as exc:
            return _failed("refused", str(exc))
        except BadInput as exc:
            return _failed("bad_input", str(exc))
        except (torch.cuda.OutOfMemoryError, MemoryError) as exc:
            if self._cache is not None:
                self._cache.release()
            return _failed("out_of_memory",
                           f"out of memory on the farm worker ({exc}); try a smaller size or fewer frames")
        except StudioError as exc:
            return _failed("runtime", str(exc))
        except Exception as exc:  # a library error: report it, keep serving
            return _failed("runtime", f"{type(exc).__name__}: {exc}")


def _failed(kind: str, message: str) -> dict:
    return {"type": "failed", "error": {"kind": kind, "message": message}}
