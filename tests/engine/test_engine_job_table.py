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


def test_a_job_started_just_before_the_client_stopped_the_worker_runs_again(monkeypatch):
    """The cancel can land before the escalation's SIGTERM: the worker ends the cancelled job and starts the
    next one, then the signal arrives. That next job was not the target: it is resubmitted, not 'crashed'."""
    import types

    from sora_studio.engine.client import EngineClient

    client = EngineClient()
    sent = []
    monkeypatch.setattr(client, "_ensure_worker", lambda: setattr(client, "_proc", types.SimpleNamespace(pid=2)))
    monkeypatch.setattr(client, "_send", sent.append)
    doomed, bystander = TrackedJob("doomed", {}, "d.mp4"), TrackedJob("next", {}, "n.mp4")
    doomed.started = doomed.cancel_requested = bystander.started = True
    client._jobs.add(doomed)
    client._jobs.add(bystander)
    stopped = types.SimpleNamespace(pid=1, stopped_by_client=True)
    client._proc = stopped
    client._on_worker_exit(stopped, -15)
    assert client._jobs.wait("doomed", 1)["error"]["kind"] == "cancelled"
    assert client._jobs.get("next") is not None and not bystander.started and client.restarts == 1
    assert len(sent) == 1 and '"next"' in sent[0]  # resubmitted to the fresh worker
    crashed = types.SimpleNamespace(pid=2)  # a worker that died on its own: its running job did crash
    bystander.started = True
    client._proc = crashed
    client._on_worker_exit(crashed, -9)
    assert client._jobs.wait("next", 1)["error"]["kind"] == "crashed"
