"""JobTable: the bookkeeping the engine and farm clients share (a job ends once, waiters wake, signals fire)."""

import threading

import pytest

from sora_studio.core.events import Signal
from sora_studio.engine.job_table import JobTable, TrackedJob, failure


def _table():
    results, failures = [], []
    result, failed = Signal(), Signal()
    result.connect(lambda job_id, payload: results.append((job_id, payload)))
    failed.connect(lambda job_id, error: failures.append((job_id, error)))
    return JobTable(threading.RLock(), result, failed), results, failures


def test_a_job_ends_once_and_its_waiters_get_the_final_message():
    table, results, failures = _table()
    table.add(TrackedJob("a", {}, "a.mp4"))
    table.add(TrackedJob("b", {}, "b.mp4"))
    assert [j.job_id for j in table.jobs()] == ["a", "b"] and table.busy
    assert table.wait("a", timeout=0.01) is None  # still running
    woke = []
    waiter = threading.Thread(target=lambda: woke.append(table.wait("a")))
    waiter.start()
    assert table.finish("a", {"type": "result", "media": "a.mp4", "recipe": {}})
    waiter.join(5)
    assert woke == [{"type": "result", "media": "a.mp4", "recipe": {}, "job_id": "a"}]
    assert results == [("a", {"media": "a.mp4", "recipe": {}})]
    assert not table.finish("a", failure("crashed", "late message"))  # already ended: ignored
    assert table.finish("b", failure("cancelled", "stopped"))
    assert failures == [("b", {"kind": "cancelled", "message": "stopped"})] and len(results) == 1
    assert table.wait("b")["job_id"] == "b" and not table.busy and table.get("b") is None
    with pytest.raises(KeyError):
        table.wait("nope")


def test_failure_messages_with_and_without_job_id():
    assert failure("refused", "no") == {"type": "failed", "error": {"kind": "refused", "message": "no"}}
    assert failure("refused", "no", "j1")["job_id"] == "j1"
