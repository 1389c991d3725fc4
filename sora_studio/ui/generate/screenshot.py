"""Screenshot of the Generate panel and the Queue with a real running job:
`python -m sora_studio.ui.generate.screenshot OUT.png [WORKDIR]` (refreshes docs/screenshots/generate.png).

Runs the real worker on the built-in tiny Wan model (built on first use: random weights, so the previews
are noise). It waits for one finished job and one running job with a live preview, then grabs the window.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sora_studio.ui.screenshot import screenshot_main, wait_until


def take_screenshot(out: Path, workdir: Path) -> Path:
    os.environ.setdefault("SORA_STUDIO_HOME", str(workdir / "home"))
    from sora_studio.core.generation.queue import JobQueue
    from sora_studio.ui.generate import install
    from sora_studio.ui.generate.form import CUSTOM
    from sora_studio.ui.screenshot import open_editor, save_window_png

    app, window = open_editor(workdir=workdir)
    queue = JobQueue(workdir / "jobs.sqlite", outputs_dir=workdir / "renders")
    gen = install(window, queue=queue)
    panel, controller = gen.panel, gen.controller
    panel.select_model("wan-tiny")
    panel.aspect.setCurrentText("16:9")
    panel.seconds.setValue(1.0)
    panel.steps.setValue(2)
    panel.seed.setValue(1234)
    panel.prompt.setPlainText("A paper boat drifts down a rainy street at dusk, neon reflections, low angle")
    (first,) = panel.generate()
    if not wait_until(app, lambda: controller.live_state(first).media_id is not None, 300):
        raise RuntimeError(f"the first job did not finish: {queue.get(first)}")
    panel.aspect.setCurrentText(CUSTOM)
    panel.custom_w.setValue(256)
    panel.custom_h.setValue(150)  # shows the rounding notice (150 -> 144)
    panel.steps.setValue(3000)
    panel.seed.setValue(99)
    panel.seed_lock.setChecked(True)
    panel.prompt.setPlainText("The same street from above, slow crane shot, morning fog")
    (running,) = panel.generate()
    panel.steps.setValue(30)
    panel.generate()
    row = gen.queue_view.rows.get(running)
    live = controller.live_state(running)
    if not wait_until(app, lambda: live.step >= 25 and bool(live.frames), 300):
        raise RuntimeError("the running job sent no progress/preview")
    wait_until(app, lambda: False, 0.5)  # let the animation and layout settle
    save_window_png(window, out)
    if row is not None:
        row.controller.cancel(running)
    controller.set_paused(True)
    controller.shutdown()
    queue.close()
    window.projects.confirm_discard = lambda doing: True
    window.close()
    return out


def main(argv: list[str]) -> int:
    return screenshot_main(argv, take_screenshot, "sora_studio.ui.generate.screenshot")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
