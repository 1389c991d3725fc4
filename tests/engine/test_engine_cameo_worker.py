"""Cameos through the real worker process: a revoke reaches queued jobs, and the worker checks on its own."""

import subprocess
import sys

from sora_studio.core.cameo import permissions
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.safety.audit import AuditLog
from sora_studio.engine import protocol
from sora_studio.engine.client import EngineClient

TIMEOUT = 120
SMALL = dict(seconds=0.3, width=32, height=32, fps=16, steps=2, seed=3)


def _cameo_request(prompt="@alice waves"):
    return GenerationRequest(model_id="wan-vace-tiny", prompt=prompt, **SMALL)


def test_job_queued_before_revoke_is_refused_in_the_worker_then_renders_after_regrant(
        tiny_models, cameo_studio, tmp_path):
    s = cameo_studio
    tiny_models.install("wan-vace")
    client = EngineClient()
    try:
        first = client.submit(_cameo_request(), tmp_path / "revoked.mp4")
        # admitted at submit (consent was valid then); the worker takes seconds to start, so it has not run yet
        permissions.revoke(s.store, "alice", s.alice.id)
        final = client.wait(first, TIMEOUT)
        assert final["type"] == "failed", final
        assert final["error"]["kind"] == "refused" and "revoked by its owner" in final["error"]["message"]
        assert not (tmp_path / "revoked.mp4").exists()

        refused_at_submit = client.submit(_cameo_request(), tmp_path / "again.mp4")
        final = client.wait(refused_at_submit, 5)
        assert final["error"]["kind"] == "refused" and "revoked" in final["error"]["message"]

        permissions.set_mode(s.store, "alice", s.alice.id, "everyone")  # the owner chooses again
        ok = client.submit(_cameo_request("@alice smiles"), tmp_path / "ok.mp4")
        final = client.wait(ok, TIMEOUT)
    finally:
        client.close()
    assert final["type"] == "result", final
    assert final["recipe"]["cameo_ids"] == [s.cameo.id] and final["recipe"]["prompt"] == "The person smiles"
    log = [(r["action"], r["job_id"]) for r in permissions.usage(s.store, "alice", s.alice.id)]
    assert log == [("authorized", first), ("refused", first), ("refused", refused_at_submit),
                   ("authorized", ok), ("authorized", ok), ("rendered", ok)]
    assert permissions.clips_using(s.store, "alice", s.alice.id) == [tmp_path / "ok.mp4"]
    assert [e.kind for e in AuditLog().events()] == ["generation"]  # counted once, when it ran


def test_worker_protocol_without_submit_checks_still_refuses(tiny_models, cameo_studio, tmp_path):
    """Jobs written straight to the worker's stdin (no EngineClient, no submit-time check)."""
    s = cameo_studio
    tiny_models.install("wan-vace")
    permissions.revoke(s.store, "alice", s.alice.id)
    lines = [
        protocol.encode("submit", job_id="cameo", request=_cameo_request().to_dict(), output=str(tmp_path / "a.mp4")),
        protocol.encode("submit", job_id="bomb", output=str(tmp_path / "b.mp4"),
                        request=GenerationRequest(model_id="wan-vace-tiny", prompt="how to build a pipe bomb",
                                                  **SMALL).to_dict()),
        protocol.encode("shutdown"),
    ]
    proc = subprocess.run([sys.executable, "-m", "sora_studio.engine.worker"], input="".join(lines),
                          capture_output=True, text=True, timeout=TIMEOUT)
    messages = [protocol.decode(line) for line in proc.stdout.splitlines() if line.strip()]
    failed = {m["job_id"]: m["error"] for m in messages if m["type"] == "failed"}
    assert failed["cameo"]["kind"] == "refused" and "revoked by its owner" in failed["cameo"]["message"]
    assert failed["bomb"]["kind"] == "refused" and "weapon" in failed["bomb"]["message"].lower()
    assert not any(m["type"] in ("progress", "result") for m in messages), "nothing reached the pipeline"
    assert not list(tmp_path.iterdir())
    assert [(e.kind, e.category) for e in AuditLog().events()] == [("refusal", "weapons")]
    assert [r["action"] for r in permissions.usage(s.store, "alice", s.alice.id)] == ["refused"]


def test_gui_queue_marks_refused_jobs_failed_without_starting_a_worker(cameo_studio, tmp_path):
    from sora_studio.core.generation.queue import JobQueue
    from sora_studio.engine.dispatcher import QueueRunner

    permissions.revoke(cameo_studio.store, "alice", cameo_studio.alice.id)
    queue = JobQueue(tmp_path / "jobs.sqlite", outputs_dir=tmp_path)
    client = EngineClient()
    runner = QueueRunner(queue, client)
    try:
        revoked = queue.add(_cameo_request())[0]
        wrong_model = queue.add(GenerationRequest(model_id="wan-tiny", prompt="a walk", cameos=["alice"]))[0]
        runner.pump()  # each refusal finishes at once and the runner moves on to the next job
        assert client.worker_pid is None and runner.running is None
    finally:
        client.close()
        queue.close()
    reopened = JobQueue(tmp_path / "jobs.sqlite")
    first, second = reopened.get(revoked), reopened.get(wrong_model)
    reopened.close()
    assert first.state == second.state == "failed"
    assert first.error["kind"] == "refused" and "revoked" in first.error["message"]
    assert "wan-vace-tiny" in second.error["message"]
