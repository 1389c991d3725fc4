"""EngineBridge: core Signals fired on a worker thread arrive on the GUI thread as Qt signals."""

import base64
import threading

from PySide6.QtCore import QObject, QThread, Slot
from PySide6.QtWidgets import QApplication

from sora_studio.core.events import Signal
from sora_studio.ui.jobs.bridge import EngineBridge


class _Client:
    def __init__(self):
        self.started, self.progress, self.preview = Signal(), Signal(), Signal()
        self.result, self.failed, self.worker_exited = Signal(), Signal(), Signal()


class _Queue:
    def __init__(self):
        self.changed = Signal()


class _Receiver(QObject):
    def __init__(self):
        super().__init__()
        self.calls = []

    @Slot(str, int, int, float)
    def on_progress(self, job_id, step, steps, eta):
        self.calls.append(("progress", QThread.currentThread(), job_id, step, steps, eta))

    @Slot(str, int, object)
    def on_preview(self, job_id, step, frames):
        self.calls.append(("preview", QThread.currentThread(), job_id, step, frames))

    @Slot(str, object)
    def on_failed(self, job_id, error):
        self.calls.append(("failed", QThread.currentThread(), job_id, error))

    @Slot(str)
    def on_queue(self, job_id):
        self.calls.append(("queue", QThread.currentThread(), job_id))


def test_signals_from_a_worker_thread_run_slots_and_lambdas_on_the_gui_thread(qtbot):
    app = QApplication.instance() or QApplication([])
    client, queue = _Client(), _Queue()
    bridge = EngineBridge(client, queue)
    receiver = _Receiver()
    bridge.progress.connect(receiver.on_progress)
    bridge.preview.connect(receiver.on_preview)
    bridge.failed.connect(receiver.on_failed)
    bridge.queue_changed.connect(receiver.on_queue)
    lambda_threads = []
    bridge.result.connect(lambda job_id, result: lambda_threads.append((QThread.currentThread(), result)))
    emitter_thread = []

    def work():
        emitter_thread.append(QThread.currentThread())
        client.progress.emit("j1", 3, 10, 7.5)
        client.preview.emit("j1", 3, [base64.b64encode(b"\x89PNG fake").decode(), "***not base64***"])
        client.failed.emit("j2", {"kind": "crashed", "message": "boom"})
        queue.changed.emit(None)
        client.result.emit("j1", {"media": "x.mp4"})

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(receiver.calls) == 4 and bool(lambda_threads), timeout=5000)
    gui = app.thread()
    assert emitter_thread[0] is not gui
    assert [c[0] for c in receiver.calls] == ["progress", "preview", "failed", "queue"]  # order kept
    assert all(c[1] is gui for c in receiver.calls)
    assert receiver.calls[0][2:] == ("j1", 3, 10, 7.5)
    assert receiver.calls[1][4] == [b"\x89PNG fake"]  # decoded; the broken frame is dropped
    assert receiver.calls[2][3] == {"kind": "crashed", "message": "boom"}
    assert receiver.calls[3][2] == ""
    assert lambda_threads[0][0] is gui and lambda_threads[0][1] == {"media": "x.mp4"}

    bridge.detach()
    client.progress.emit("j1", 4, 10, 1.0)
    qtbot.wait(50)
    assert len(receiver.calls) == 4 and len(client.progress) == 0
