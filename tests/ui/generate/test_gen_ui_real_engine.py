"""End to end with the real engine: the panel queues a job, the worker process runs the tiny Wan pipeline
(random weights: noise), previews and progress reach the row, and the clip lands in the media bin."""

import json
import os
import signal
from pathlib import Path

from sora_studio.core.generation.queue import JobQueue
from sora_studio.core.media.probe import probe


def test_panel_generates_with_the_real_worker_into_the_media_bin(window, tiny_models, qtbot, ui, tmp_path):
    from sora_studio.ui.generate import install

    tiny_models.install("wan")
    queue = JobQueue(tmp_path / "jobs.sqlite", outputs_dir=tmp_path / "renders")
    gen = install(window, queue=queue)  # the real EngineClient: `python -m sora_studio.engine.worker`
    try:
        panel, controller = gen.panel, gen.controller
        panel.select_model("wan-tiny")
        panel.aspect.setCurrentText("1:1")
        panel.seconds.setValue(0.5)  # 8 frames, rounded to 9 (4k+1) with a notice
        panel.steps.setValue(2)
        panel.seed.setValue(5)
        panel.prompt.setPlainText("a cat walks along the beach at sunset")
        assert panel.size_label.text() == "→ 64×64" and "rounded to 9" in panel.notices.text()
        (job_id,) = panel.generate()
        ui.wait_for(qtbot, lambda: queue.get(job_id).state in ("done", "failed"), timeout_ms=180_000)
        job = queue.get(job_id)
        assert job.state == "done", job.error
        ui.wait_for(qtbot, lambda: controller.live_state(job_id).media_id is not None, timeout_ms=20_000)
        live = controller.live_state(job_id)
        assert (live.step, live.steps) == (2, 2) and live.frames, "progress/previews did not reach the GUI"
        item = window.session.project.media_item(live.media_id)
        path = window.session.project.resolve(item.url)
        assert path.parent == window.session.project.media_dir
        info = probe(path)
        assert (info.width, info.height, info.frame_count) == (64, 64, 9)
        recipe = json.loads(Path(str(path) + ".recipe.json").read_text())
        assert recipe["seed"] == 5 and recipe["num_inference_steps"] == 2 and recipe["model_id"] == "wan-tiny"
        names = [window.media_bin.list.item(i).text() for i in range(window.media_bin.list.count())]
        assert path.name in names
        assert all(t is controller.thread() for t in controller.slot_threads)

        # the worker is killed mid-job (as the OOM killer would): the row says why, the next job still runs
        panel.steps.setValue(500)
        panel.seed_lock.setChecked(True)
        (doomed,) = panel.generate()
        panel.steps.setValue(2)
        (survivor,) = panel.generate()
        ui.wait_for(qtbot, lambda: controller.live_state(doomed).step >= 2, timeout_ms=120_000)
        os.kill(controller.client.worker_pid, signal.SIGKILL)
        ui.wait_for(qtbot, lambda: queue.get(survivor).state in ("done", "failed"), timeout_ms=180_000)
        assert queue.get(survivor).state == "done", queue.get(survivor).error
        assert queue.get(doomed).state == "failed" and queue.get(doomed).error["kind"] == "crashed"
        ui.wait_for(qtbot, lambda: gen.queue_view.rows[doomed].state == "failed")
        note = gen.queue_view.rows[doomed].note.text()
        assert "SIGKILL" in note and "Retry" in note
        ui.wait_for(qtbot, lambda: controller.live_state(survivor).media_id is not None, timeout_ms=20_000)
    finally:
        gen.controller.shutdown()
        queue.close()
