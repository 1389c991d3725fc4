"""The inference worker process: `python -m sora_studio.engine.worker`.

Persistent (keeps the loaded model between jobs), one job at a time, JSON lines on stdin/stdout (see
protocol.py). Anything else that writes to stdout (libraries, prints) is redirected to stderr so that it
cannot corrupt the protocol. A crash here (segfault, OOM kill) only ends this process; the client reports
the running job as failed and starts a new worker for the next one.
"""

from __future__ import annotations

import os
import queue
import sys
import threading


def _cap_threads() -> int:
    """Cap BLAS/torch threads before torch is imported (contention on small machines costs 3x)."""
    from sora_studio.core.generation.devices import EngineSettings, thread_count

    n = thread_count(EngineSettings.load())
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, str(n))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    return n


class Worker:
    def __init__(self, out) -> None:
        self.out = out
        self.write_lock = threading.Lock()
        self.jobs: queue.Queue = queue.Queue()
        self.cancelled: set[str] = set()
        self.queued: set[str] = set()
        self.current: str | None = None
        self.state_lock = threading.Lock()

    def send(self, line: str) -> None:
        with self.write_lock:
            self.out.write(line)
            self.out.flush()

    def read_commands(self, stream) -> None:
        """Reader thread: queue submits, flag cancels; EOF (the client is gone) stops the worker."""
        from sora_studio.engine import protocol

        for line in stream:
            if not line.strip():
                continue
            try:
                msg = protocol.decode(line)
            except protocol.ProtocolError as exc:
                print(f"worker: ignoring bad line: {exc}", file=sys.stderr)
                continue
            if msg["type"] == "submit":
                with self.state_lock:
                    self.queued.add(str(msg.get("job_id")))
                self.jobs.put(msg)
            elif msg["type"] == "cancel":
                job_id = str(msg.get("job_id"))
                with self.state_lock:
                    running = self.current == job_id
                    waiting = job_id in self.queued
                    if running or waiting:
                        self.cancelled.add(job_id)
                    self.queued.discard(job_id)
                if waiting:
                    self.send(protocol.failure(job_id, "cancelled", "cancelled before it started"))
            elif msg["type"] == "shutdown":
                break
        self.jobs.put(None)

    def run(self) -> None:
        from sora_studio.core.generation.runner import ModelCache

        cache = ModelCache()
        while True:
            msg = self.jobs.get()
            if msg is None:
                return
            job_id = str(msg.get("job_id"))
            with self.state_lock:
                if job_id in self.cancelled:
                    self.cancelled.discard(job_id)
                    continue  # already answered by the reader
                self.queued.discard(job_id)
                self.current = job_id
            try:
                self.run_job(cache, job_id, msg)
            finally:
                with self.state_lock:
                    self.current = None
                    self.cancelled.discard(job_id)

    def run_job(self, cache, job_id: str, msg: dict) -> None:
        import torch

        from sora_studio.core.generation.request import GenerationRequest
        from sora_studio.core.generation.runner import generate, write_output
        from sora_studio.engine import protocol
        from sora_studio.errors import BadInput, Cancelled, Refused, StudioError

        self.send(protocol.encode("started", job_id=job_id))
        try:
            request = GenerationRequest.from_dict(msg.get("request") or {})
            output = generate(
                request, cache,
                progress=lambda step, steps, eta: self.send(
                    protocol.encode("progress", job_id=job_id, step=step, steps=steps, eta_s=round(eta, 3))),
                preview=lambda step, frames: self.send(
                    protocol.encode("preview", job_id=job_id, step=step, format="png", frames=frames)),
                should_cancel=lambda: job_id in self.cancelled,
                job_id=job_id,  # the policy gate runs again inside generate(), right before the pipeline
            )
            result = write_output(output, msg["output"])
            self.send(protocol.encode("result", job_id=job_id, **result))
        except Cancelled as exc:
            self.send(protocol.failure(job_id, "cancelled", str(exc)))
        except Refused as exc:
            self.send(protocol.failure(job_id, "refused", str(exc)))
        except BadInput as exc:
            self.send(protocol.failure(job_id, "bad_input", str(exc)))
        except (torch.cuda.OutOfMemoryError, MemoryError) as exc:
            cache.release()
            advice = "try a smaller size, fewer frames or an offload profile"
            self.send(protocol.failure(job_id, "out_of_memory", f"out of memory ({exc}); {advice}"))
        except StudioError as exc:
            self.send(protocol.failure(job_id, "runtime", str(exc)))
        except Exception as exc:  # a bug or a library error: report it, keep serving
            import traceback

            traceback.print_exc(file=sys.stderr)
            self.send(protocol.failure(job_id, "runtime", f"{type(exc).__name__}: {exc}"))


def main() -> int:
    threads = _cap_threads()
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints go to stderr, never into the protocol
    import torch

    torch.set_num_threads(threads)
    import diffusers
    import transformers

    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()
    from sora_studio.core.generation.devices import EngineSettings, pick_device
    from sora_studio.engine import protocol

    worker = Worker(protocol_out)
    worker.send(protocol.encode("ready", pid=os.getpid(), device=pick_device(EngineSettings.load().device),
                                threads=threads))
    reader = threading.Thread(target=worker.read_commands, args=(sys.stdin,), daemon=True)
    reader.start()
    worker.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
