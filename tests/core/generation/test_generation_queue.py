import pytest

from sora_studio.core.generation.queue import INTERRUPTED, JobQueue
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.errors import BadInput


def _req(seed=10):
    return GenerationRequest(model_id="wan-tiny", prompt="a cat", seed=seed)


def test_variations_get_consecutive_seeds_and_keep_order(tmp_path):
    q = JobQueue(tmp_path / "jobs.sqlite")
    ids = q.add(_req(10), variations=4)
    assert [j.request.seed for j in q.list()] == [10, 11, 12, 13]
    assert [j.id for j in q.list("queued")] == ids
    with pytest.raises(BadInput, match="1, 2 or 4"):
        q.add(_req(), variations=3)


def test_reorder_pause_resume_cancel_retry_remove_duplicate(tmp_path):
    q = JobQueue(tmp_path / "jobs.sqlite")
    changes = []
    q.changed.connect(changes.append)
    a, b, c = q.add(_req(1))[0], q.add(_req(2))[0], q.add(_req(3))[0]
    q.move(c, 0)
    assert [j.id for j in q.list("queued")] == [c, a, b]
    q.pause()
    assert q.next_queued() is None
    q.resume()
    assert q.next_queued().id == c
    q.mark_running(c)
    with pytest.raises(BadInput, match="cannot remove a running job"):
        q.remove(c)
    q.mark_failed(c, {"kind": "runtime", "message": "boom"})
    assert q.get(c).state == "failed" and q.get(c).error["message"] == "boom"
    q.retry(c)
    assert q.get(c).state == "queued" and q.get(c).error is None and [j.id for j in q.list("queued")][-1] == c
    q.cancel(a)
    assert q.get(a).state == "cancelled"
    dup = q.duplicate(b)
    assert q.get(dup).request.seed == 3 and q.get(dup).request.prompt == "a cat"
    q.remove(a)
    with pytest.raises(BadInput, match="no job"):
        q.get(a)
    with pytest.raises(BadInput, match="cannot become done"):
        q.mark_done(b, {})
    assert changes


def test_queue_survives_reopen_and_running_jobs_become_failed(tmp_path):
    path = tmp_path / "jobs.sqlite"
    q = JobQueue(path)
    done, running, waiting = q.add(_req(1))[0], q.add(_req(2))[0], q.add(_req(3))[0]
    q.mark_running(done)
    q.mark_done(done, {"media": "x.mp4"})
    q.mark_running(running)
    q.close()  # the studio "crashes" with a job running
    reopened = JobQueue(path)
    assert reopened.get(done).state == "done" and reopened.get(done).result == {"media": "x.mp4"}
    assert reopened.get(running).state == "failed" and reopened.get(running).error["message"] == INTERRUPTED
    assert reopened.get(waiting).state == "queued" and reopened.next_queued().id == waiting
    assert reopened.get(running).attempts == 1


def test_damaged_queue_file_is_bad_input(tmp_path):
    path = tmp_path / "jobs.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BadInput, match="damaged"):
        JobQueue(path)
