"""EngineBridge: the engine's core Signals, re-emitted as Qt signals on the GUI thread.

EngineClient fires its Signals on its reader thread, and the JobQueue fires `changed` on whichever thread
changed it (the QueueRunner records results on the reader thread). A handler connected to those directly
would touch widgets from the wrong thread. The bridge's handlers do nothing but emit one private Qt signal,
`_relay`, which is connected to the bridge's own @Slot `_deliver`: Qt queues that call to the bridge's
(GUI) thread, where the public signals are emitted. Anything connected to the public signals, even a
lambda, therefore runs on the GUI thread.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot


class EngineBridge(QObject):
    started = Signal(str)  # job_id
    progress = Signal(str, int, int, float)  # job_id, step, steps, eta_s
    preview = Signal(str, int, object)  # job_id, step, list[bytes] (PNG files)
    result = Signal(str, object)  # job_id, result dict {media, recipe_file, recipe, notices, produces_noise}
    failed = Signal(str, object)  # job_id, error dict {kind, message}
    worker_exited = Signal(int)  # return code of the worker process
    queue_changed = Signal(str)  # job id, "" when several jobs or the queue itself changed

    _relay = Signal(str, object)  # (public signal name, argument tuple), emitted from any thread

    def __init__(self, client: Any, queue: Any = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relay.connect(self._deliver)  # auto connection: queued when emitted off the GUI thread
        self._hooks = [
            (client.started, self._on_started),
            (client.progress, self._on_progress),
            (client.preview, self._on_preview),
            (client.result, self._on_result),
            (client.failed, self._on_failed),
        ]
        if hasattr(client, "worker_exited"):
            self._hooks.append((client.worker_exited, self._on_worker_exited))
        if queue is not None:
            self._hooks.append((queue.changed, self._on_queue_changed))
        for signal, handler in self._hooks:
            signal.connect(handler)

    def detach(self) -> None:
        """Stop listening (before the client or the queue goes away)."""
        for signal, handler in self._hooks:
            try:
                signal.disconnect(handler)
            except (ValueError, KeyError, RuntimeError):
                pass
        self._hooks = []

    def _send(self, name: str, args: tuple) -> None:
        try:
            self._relay.emit(name, args)
        except RuntimeError:  # the bridge was deleted while the engine still reported: nobody is listening
            pass

    @Slot(str, object)
    def _deliver(self, name: str, args: tuple) -> None:
        getattr(self, name).emit(*args)

    # handlers: called on the emitting thread; they only copy their arguments into the relay -------------------
    def _on_started(self, job_id: str) -> None:
        self._send("started", (str(job_id),))

    def _on_progress(self, job_id: str, step: int, steps: int, eta_s: float) -> None:
        self._send("progress", (str(job_id), int(step), int(steps), float(eta_s or 0.0)))

    def _on_preview(self, job_id: str, step: int, frames: list) -> None:
        self._send("preview", (str(job_id), int(step), _decode_frames(frames)))

    def _on_result(self, job_id: str, result: dict) -> None:
        self._send("result", (str(job_id), dict(result)))

    def _on_failed(self, job_id: str, error: dict) -> None:
        self._send("failed", (str(job_id), dict(error or {})))

    def _on_worker_exited(self, returncode: int) -> None:
        self._send("worker_exited", (int(returncode if returncode is not None else 0),))

    def _on_queue_changed(self, job_id: str | None = None) -> None:
        self._send("queue_changed", (str(job_id or ""),))


def _decode_frames(frames: list) -> list[bytes]:
    """base64 PNG strings (the protocol's form) -> PNG bytes; bad entries are dropped (a preview is optional)."""
    out = []
    for frame in frames or []:
        if isinstance(frame, bytes):
            out.append(frame)
            continue
        try:
            out.append(base64.b64decode(frame, validate=True))
        except (binascii.Error, ValueError, TypeError):
            continue
    return out
