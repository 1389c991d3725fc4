"""The worker process for real: progress + previews, cancel within a step, SIGKILL mid-job, queue dispatch."""

import base64
import os
import signal
import threading

import pytest

from sora_studio.core.generation.queue import JobQueue
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.engine import protocol
from sora_studio.engine.client import EngineClient
from sora_studio.engine.dispatcher import QueueRunner

TIMEOUT = 120


@pytest.fixture(scope="module")
def client(tiny_models, tmp_path_factory):
    """One worker for the module (starting one costs seconds), with its own studio home."""
    from sora_studio.core.models.registry import InstalledModel, ModelRegistry

    home = tmp_path_factory.mktemp("engine-home")
    registry = ModelRegistry(home / "data" / "models" / "registry.json")
    registry.put(InstalledModel(id="wan-tiny", path=str(tiny_models.path("wan")), source="tiny", revision="local"))
    c = EngineClient(env={"SORA_STUDIO_HOME": str(home)}, cancel_grace_s=20.0)
    yield c
    c.close()


def _req(steps=2, seed=1, prompt="a cat", size=64):
    return GenerationRequest(model_id="wan-tiny", prompt=prompt, seconds=0.5, width=size, height=size, seed=seed,
                             steps=steps)


def test_protocol_round_trip_and_rejects_garbage():
    line = protocol.encode("progress", job_id="j", step=1, steps=2, eta_s=0.5)
    assert protocol.decode(line) == {"type": "progress", "job_id": "j", "step": 1, "steps": 2, "eta_s": 0.5}
    for bad in ("not json", '{"type": "explode"}', "[1, 2]"):
        with pytest.raises(protocol.ProtocolError):
            protocol.decode(bad)


def test_progress_previews_result_then_cancel_within_one_step(client, tmp_path):
    events = []
    client.progress.connect(lambda job, step, steps, eta: events.append(("progress", job, step, steps, eta)))
    client.preview.connect(lambda job, step, frames: events.append(("preview", job, step, frames)))
    job = client.submit(_req(steps=3), tmp_path / "a.mp4")
    final = client.wait(job, TIMEOUT)
    assert final["type"] == "result", final
    assert os.path.getsize(final["media"]) > 0 and final["recipe"]["num_inference_steps"] == 3
    assert final["produces_noise"] is True
    progress = [e for e in events if e[0] == "progress" and e[1] == job]
    assert [e[2] for e in progress] == [1, 2, 3] and all(e[3] == 3 and e[4] >= 0 for e in progress)
    previews = [e for e in events if e[0] == "preview" and e[1] == job]
    assert [e[2] for e in previews] == [1, 2, 3]
    assert base64.b64decode(previews[-1][3][0]).startswith(b"\x89PNG")

    # cancel: ask at step 2 of 40; the worker must stop at the end of the step that is running. The steps are
    # made long enough (bigger frames) that the pipe's latency on a loaded machine is not itself a step.
    cancel_at = {}

    def on_progress(job_id, step, steps, eta):
        if job_id == long_job and step == 2 and not cancel_at:
            cancel_at["step"] = step
            client.cancel(job_id)

    client.progress.connect(on_progress)
    long_job = client.submit(_req(steps=40, seed=2, size=192), tmp_path / "b.mp4")
    final = client.wait(long_job, TIMEOUT)
    assert final["type"] == "failed" and final["error"]["kind"] == "cancelled"
    last_step = max(e[2] for e in events if e[0] == "progress" and e[1] == long_job)
    assert last_step - cancel_at["step"] <= 1, f"cancel took {last_step - cancel_at['step']} steps"
    assert not (tmp_path / "b.mp4").exists()
    assert client.restarts == 0  # cancelled cooperatively, no kill needed
    client.progress.disconnect(on_progress)


def test_bad_request_fails_cleanly_and_worker_keeps_serving(client, tmp_path):
    bad = client.submit(GenerationRequest(model_id="wan-tiny", prompt="   "), tmp_path / "x.mp4")
    final = client.wait(bad, TIMEOUT)
    assert final["type"] == "failed" and final["error"]["kind"] == "bad_input" and "prompt is empty" in \
        final["error"]["message"]
    good = client.submit(_req(), tmp_path / "ok.mp4")
    assert client.wait(good, TIMEOUT)["type"] == "result"


def test_sigkill_mid_job_fails_that_job_keeps_queue_and_runs_next(client, tmp_path):
    queue = JobQueue(tmp_path / "jobs.sqlite", outputs_dir=tmp_path / "renders")
    runner = QueueRunner(queue, client)
    victim = queue.add(_req(steps=40, seed=5, prompt="doomed"))[0]
    survivor = queue.add(_req(steps=2, seed=6, prompt="next"))[0]
    killed = threading.Event()

    def kill_on_step(job_id, step, steps, eta):
        if job_id == victim and step == 2 and not killed.is_set():
            killed.set()
            os.kill(client.worker_pid, signal.SIGKILL)

    client.progress.connect(kill_on_step)
    first_pid = None
    assert runner.pump() == victim
    first_pid = client.worker_pid
    final = client.wait(victim, TIMEOUT)
    assert final["type"] == "failed" and final["error"]["kind"] == "crashed"
    assert "SIGKILL" in final["error"]["message"]
    assert client.wait(survivor, TIMEOUT)["type"] == "result"
    assert client.worker_pid != first_pid
    assert queue.get(victim).state == "failed" and queue.get(survivor).state == "done"
    reopened = JobQueue(tmp_path / "jobs.sqlite")
    assert {j.id: j.state for j in reopened.list()} == {victim: "failed", survivor: "done"}


def test_cancel_escalates_to_terminate_when_the_worker_does_not_answer(tiny_models, studio_home, tmp_path):
    """With no grace at all the ladder goes straight to SIGTERM: the job ends as cancelled, the next one runs."""
    tiny_models.install("wan")
    impatient = EngineClient(env={"SORA_STUDIO_HOME": str(studio_home)}, cancel_grace_s=0.0, kill_grace_s=5.0)
    exits = []
    impatient.worker_exited.connect(exits.append)
    try:
        def on_progress(job_id, step, steps, eta):
            if job_id == doomed and step == 1:
                impatient.cancel(job_id)

        impatient.progress.connect(on_progress)
        doomed = impatient.submit(_req(steps=200, seed=7), tmp_path / "doomed.mp4")
        nxt = impatient.submit(_req(steps=2, seed=8), tmp_path / "next.mp4")
        final = impatient.wait(doomed, TIMEOUT)
        assert final["type"] == "failed" and final["error"]["kind"] == "cancelled"
        after = impatient.wait(nxt, TIMEOUT)
        assert after["type"] == "result", after  # the failure's kind and message say why
        assert exits and exits[0] in (-signal.SIGTERM, -signal.SIGKILL)
        assert impatient.restarts == 1
    finally:
        impatient.close()
