"""The Queue dock on a fake engine that reports from a background thread like the real client."""

import threading
from pathlib import Path

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from sora_studio.core.generation.queue import JobQueue
from sora_studio.core.generation.request import GenerationRequest


def _request(seed=7, steps=4, prompt="a red kite over dunes"):
    return GenerationRequest(model_id="wan-tiny", prompt=prompt, seconds=0.5, width=64, height=64, fps=16,
                             seed=seed, steps=steps)


def _state(controller, job_id):
    return controller.queue.get(job_id).state


def test_progress_and_preview_update_the_running_row_on_the_gui_thread(gen_ui, fake_engine, qtbot, ui):
    controller, dock = gen_ui.controller, gen_ui.queue_view
    fake_engine.hold()
    (job_id,) = controller.submit(_request(steps=4))
    ui.wait_for(qtbot, lambda: job_id in dock.rows and dock.rows[job_id].state == "running")
    row = dock.rows[job_id]
    # let exactly one step through at a time and watch the bar and the preview follow
    seen_colours = []
    for step in (1, 2):
        fake_engine.allow(1)
        ui.wait_for(qtbot, lambda: row.progress.value() == step)
        assert row.progress.maximum() == 4
        assert row.progress.format().startswith(f"step {step}/4")
        assert "left" in row.progress.format()
        row.frame_index = 0
        row.show_frame(controller.live_state(job_id))
        seen_colours.append(row.preview_colour().name())
    assert seen_colours[0] != seen_colours[1], "the preview image did not change between steps"
    # the animation cycles the step's frames (the fake sends a coloured and a white frame)
    frames_seen = set()
    for _ in range(4):
        dock._animate()
        frames_seen.add(row.preview_colour().name())
    assert "#ffffff" in frames_seen and len(frames_seen) == 2

    gui = QApplication.instance().thread()
    assert fake_engine.emit_threads and threading.main_thread().ident not in fake_engine.emit_threads
    assert controller.slot_threads and all(t is gui for t in controller.slot_threads)
    called_on = []
    controller.bridge.progress.connect(lambda *a: called_on.append(QThread.currentThread()))  # even a lambda
    fake_engine.release()
    ui.wait_for(qtbot, lambda: _state(controller, job_id) == "done")
    assert called_on and all(t is gui for t in called_on)
    ui.wait_for(qtbot, lambda: row.progress.format() == "done")


def test_cancel_running_job_ends_cancelled_and_next_job_runs(gen_ui, fake_engine, qtbot, ui):
    controller, dock = gen_ui.controller, gen_ui.queue_view
    fake_engine.hold()
    first, = controller.submit(_request(seed=1))
    second, = controller.submit(_request(seed=2))
    ui.wait_for(qtbot, lambda: first in dock.rows and dock.rows[first].state == "running")
    assert _state(controller, second) == "queued"
    dock.rows[first].buttons["cancel"].click()
    assert fake_engine.cancel_requests == [first]
    ui.wait_for(qtbot, lambda: _state(controller, first) == "cancelled")
    ui.wait_for(qtbot, lambda: dock.rows[first].state == "cancelled")
    assert dock.rows[first].badge.text() == "CANCELLED" and "Cancelled" in dock.rows[first].note.text()
    assert [s[0] for s in fake_engine.submitted] == [first, second]  # the next one started
    fake_engine.release()
    ui.wait_for(qtbot, lambda: _state(controller, second) == "done")


def test_cancel_a_queued_job_never_reaches_the_engine(gen_ui, fake_engine, qtbot, ui):
    controller, dock = gen_ui.controller, gen_ui.queue_view
    fake_engine.hold()
    first, = controller.submit(_request(seed=1))
    second, = controller.submit(_request(seed=2))
    ui.wait_for(qtbot, lambda: second in dock.rows)
    dock.rows[second].buttons["cancel"].click()
    assert _state(controller, second) == "cancelled" and fake_engine.cancel_requests == []
    fake_engine.release()
    ui.wait_for(qtbot, lambda: _state(controller, first) == "done")
    assert [s[0] for s in fake_engine.submitted] == [first]


def test_worker_crash_shows_failed_with_reason_and_the_next_job_runs(gen_ui, fake_engine, qtbot, ui):
    controller, dock = gen_ui.controller, gen_ui.queue_view
    fake_engine.crash_next = True
    first, second = controller.submit(_request(seed=5, steps=2), variations=2)
    ui.wait_for(qtbot, lambda: _state(controller, second) == "done")
    assert _state(controller, first) == "failed"
    ui.wait_for(qtbot, lambda: dock.rows[first].state == "failed")
    note = dock.rows[first].note.text()
    assert "crashed" in note and "SIGKILL" in note and "Retry" in note
    assert dock.rows[first].buttons["retry"].isVisibleTo(dock)


def test_retry_and_duplicate_queue_the_right_seeds(gen_ui, fake_engine, qtbot, ui):
    controller, dock = gen_ui.controller, gen_ui.queue_view
    fake_engine.crash_next = True
    failed, = controller.submit(_request(seed=40, steps=2))
    ui.wait_for(qtbot, lambda: _state(controller, failed) == "failed")
    ui.wait_for(qtbot, lambda: failed in dock.rows and dock.rows[failed].state == "failed")
    dock.rows[failed].buttons["retry"].click()  # failed: the same entry, same seed, runs again
    ui.wait_for(qtbot, lambda: _state(controller, failed) == "done")
    assert controller.queue.get(failed).request.seed == 40 and controller.queue.get(failed).attempts == 2

    ui.wait_for(qtbot, lambda: dock.rows[failed].state == "done")
    before = {j.id for j in controller.jobs()}
    dock.rows[failed].buttons["retry"].click()  # done: a new entry with the same seed
    again = ({j.id for j in controller.jobs()} - before).pop()
    assert controller.queue.get(again).request.seed == 40
    ui.wait_for(qtbot, lambda: _state(controller, again) == "done")

    import random

    controller.seeds = random.Random(3)
    expected = random.Random(3).randint(0, 2**31 - 1)
    before = {j.id for j in controller.jobs()}
    ui.wait_for(qtbot, lambda: again in dock.rows)
    dock.rows[again].buttons["duplicate"].click()
    dup = ({j.id for j in controller.jobs()} - before).pop()
    dup_request, old_request = controller.queue.get(dup).request, controller.queue.get(again).request
    assert dup_request.seed == expected != 40
    assert {**dup_request.to_dict(), "seed": 40} == old_request.to_dict()  # only the seed differs
    ui.wait_for(qtbot, lambda: _state(controller, dup) == "done")

    dock.rows[failed].buttons["remove"].click()
    ui.wait_for(qtbot, lambda: failed not in dock.rows)
    assert failed not in {j.id for j in controller.jobs()}


def test_pause_reorder_and_the_queue_survives_a_restart(gen_ui, fake_engine, qtbot, ui, tmp_path):
    controller, dock = gen_ui.controller, gen_ui.queue_view
    dock.pause_button.click()
    assert controller.paused and dock.pause_button.text() == "Resume queue"
    a, b, c = (controller.submit(_request(seed=s, prompt=f"shot {s}"))[0] for s in (1, 2, 3))
    ui.wait_for(qtbot, lambda: c in dock.rows)
    assert fake_engine.submitted == [] and "Paused" in dock.summary.text()
    assert dock.rows[c].progress.format() == "paused"
    assert not dock.rows[a].buttons["up"].isEnabled() and dock.rows[a].buttons["down"].isEnabled()
    dock.rows[c].buttons["up"].click()
    assert [j.id for j in controller.queue.list("queued")] == [a, c, b]
    order = [dock.list_layout.itemAt(i).widget() for i in range(3)]
    assert order == [dock.rows[a], dock.rows[c], dock.rows[b]]

    reopened = JobQueue(Path(controller.queue.path))  # what the next start of the studio sees
    assert [j.id for j in reopened.list("queued")] == [a, c, b] and reopened.paused
    reopened.close()

    dock.pause_button.click()  # resume: runs in the new order
    ui.wait_for(qtbot, lambda: all(_state(controller, j) == "done" for j in (a, b, c)))
    assert [s[0] for s in fake_engine.submitted] == [a, c, b]


def test_running_job_shows_in_the_status_bar(gen_ui, window, fake_engine, qtbot, ui):
    controller = gen_ui.controller
    fake_engine.hold()
    (job_id,) = controller.submit(_request(steps=3))
    fake_engine.allow(1)
    ui.wait_for(qtbot, lambda: window.status_tasks.text() == "● Generating: step 1/3")
    fake_engine.release()
    ui.wait_for(qtbot, lambda: _state(controller, job_id) == "done")
    ui.wait_for(qtbot, lambda: window.status_tasks.text() == "No background tasks")
