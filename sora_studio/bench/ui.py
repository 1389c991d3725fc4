"""`sora-studio bench ui`: editor start-up time and GUI responsiveness while playing and exporting.

- start-up: process start to the first painted main window (a fresh `python` running run_gui with the
  first-paint probe), against a bare QApplication + QWidget measured the same way in the same run;
- stalls: the longest gap between ticks of a 2 ms QTimer on the GUI thread, idle (the baseline), while
  the viewer plays a 1080p H.264 timeline (720p in quick mode), while a video export runs, and while the
  background worker generates a clip on the tiny Wan with live previews arriving in the queue dock; plus the
  playback frame rate reached against the timeline's rate.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_BASELINE_SCRIPT = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv[:1])
w = QWidget(); w.resize(1600, 960)
class Probe(QObject):
    done = False
    def eventFilter(self, obj, ev):
        if not self.done and ev.type() == QEvent.Type.Paint and obj is w:
            self.done = True
            QTimer.singleShot(0, lambda: (print(f"FIRST_PAINT {time.time():.6f}", flush=True), app.quit()))
        return False
p = Probe(); app.installEventFilter(p)
w.show()
app.exec()
"""

_EDITOR_SCRIPT = "import sys; from sora_studio.ui.app import run_gui; sys.exit(run_gui([]))"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env["SORA_STUDIO_STARTUP_PROBE"] = "1"
    return env


def _startup_once(script: str) -> float:
    started = time.time()
    result = subprocess.run([sys.executable, "-c", script], env=_env(), capture_output=True, text=True, timeout=120)
    for line in result.stdout.splitlines():
        if line.startswith("FIRST_PAINT "):
            return float(line.split()[1]) - started
    raise RuntimeError(f"no first paint reported (exit {result.returncode}): {result.stderr[-500:]}")


def measure_startup(repeats: int) -> dict[str, Any]:
    baseline = [_startup_once(_BASELINE_SCRIPT) for _ in range(repeats)]
    editor = [_startup_once(_EDITOR_SCRIPT) for _ in range(repeats)]
    b, e = statistics.median(baseline), statistics.median(editor)
    return {"repeats": repeats, "baseline_s": round(b, 3), "editor_s": round(e, 3), "ratio": round(e / b, 2),
            "editor_all_s": [round(x, 3) for x in editor]}


class StallProbe:
    """Longest gap between 2 ms timer ticks on the GUI thread (what a user feels as a hitch)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QObject, Qt, QTimer, Slot

        class _Ticker(QObject):
            def __init__(self) -> None:
                super().__init__()
                self.last = time.perf_counter()
                self.longest = 0.0
                self.ticks = 0

            @Slot()
            def tick(self) -> None:
                now = time.perf_counter()
                self.longest = max(self.longest, now - self.last)
                self.last = now
                self.ticks += 1

        self.ticker = _Ticker()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(2)
        self.timer.timeout.connect(self.ticker.tick)

    def run(self, app, seconds: float, until=None) -> dict[str, float]:
        self.ticker.last = time.perf_counter()
        self.ticker.longest, self.ticker.ticks = 0.0, 0
        self.timer.start()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline and not (until is not None and until()):
            app.processEvents()
            time.sleep(0.0005)
        self.timer.stop()
        return {"longest_stall_ms": round(self.ticker.longest * 1000, 1), "ticks": self.ticker.ticks}


def _make_project(folder: Path, size: tuple[int, int], seconds: float):
    from fractions import Fraction

    from sora_studio.core.media.synth import write_index_video
    from sora_studio.core.project.bundle import Project
    from sora_studio.core.project.media_items import clips_for_media
    from sora_studio.core.timeline.edits import OverwriteClip

    media = write_index_video(folder / "source.mp4", int(seconds * 24), size=size, fps=24, audio_freq=330.0,
                              gop=24, crf=23)
    project = Project.create(folder / "Bench.sorastudio", rate=24, width=size[0], height=size[1])
    item = project.import_media(media)
    placed = clips_for_media(item, Fraction(24), start=0)
    targets = {"video": project.timeline.video_tracks()[0].id, "audio": project.timeline.audio_tracks()[0].id}
    (kind, clip), *rest = placed
    OverwriteClip(targets[kind], clip, also=[(targets[k], c) for k, c in rest]).apply(project.timeline)
    project.save()
    path = project.path
    project.close()
    return path


def measure_responsiveness(quick: bool) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
    from sora_studio.ui.app import create_app
    from sora_studio.ui.export_dialog import ExportThread
    from sora_studio.ui.main_window import MainWindow

    size = (1280, 720) if quick else (1920, 1080)
    seconds = 3.0 if quick else 8.0
    with tempfile.TemporaryDirectory() as tmp:
        path = _make_project(Path(tmp), size, seconds)
        app = create_app([])
        window = MainWindow()
        window.show()
        window.open_path(path)
        window.projects.ask = lambda *a: None
        probe = StallProbe()
        probe.run(app, 1.0, until=lambda: window.viewer.playback.displayed_index == 0
                  and window.previews.pending() == 0)  # let start-up work (previews, first frame) finish
        idle = probe.run(app, 0.5 if quick else 1.5)
        playback = window.viewer.playback
        thread = playback._thread
        shown0, dropped0 = thread.frames_shown, thread.frames_dropped
        started = time.perf_counter()
        window.session.set_playhead(0)
        playback.play(1.0)
        playing = probe.run(app, seconds + 2, until=lambda: not playback.playing)
        elapsed = time.perf_counter() - started
        shown, dropped = thread.frames_shown - shown0, thread.frames_dropped - dropped0
        export = ExportThread(window.session.timeline, window.session.resolve, Path(tmp) / "out.mp4",
                              "720p24-draft" if quick else "1080p24-standard")
        export_started = time.perf_counter()
        export.start()
        exporting = probe.run(app, 600, until=lambda: export.isFinished())
        export.wait()
        export_s = time.perf_counter() - export_started
        generating = _measure_generating(app, window, probe, quick, Path(tmp))
        window.close()
        app.processEvents()
    return {
        "media": f"{size[0]}x{size[1]} H.264, {seconds:g} s at 24 fps",
        "idle": idle,
        "playing": {**playing, "frames_shown": shown, "frames_dropped": dropped,
                    "fps": round(shown / elapsed, 1) if elapsed else 0.0, "target_fps": 24,
                    "audio_clock": playback.uses_audio_clock},
        "exporting": {**exporting, "export_s": round(export_s, 2), "speed_x_realtime": round(seconds / export_s, 2)},
        "generating": generating,
        "stall_ratio_generating_vs_idle": round(generating["longest_stall_ms"] / max(0.1, idle["longest_stall_ms"]), 1),
        "stall_ratio_playing_vs_idle": round(playing["longest_stall_ms"] / max(0.1, idle["longest_stall_ms"]), 1),
        "stall_ratio_exporting_vs_idle": round(exporting["longest_stall_ms"] / max(0.1, idle["longest_stall_ms"]), 1),
    }


def _measure_generating(app, window, probe: StallProbe, quick: bool, folder: Path) -> dict[str, Any]:
    """Stalls while a real worker process generates on the tiny Wan, its progress and previews reaching the
    GUI (the queue dock animates them). The worker's start-up (importing torch) is outside the window measured."""
    from PySide6.QtCore import QEvent

    from sora_studio.core.generation.queue import JobQueue
    from sora_studio.core.generation.request import GenerationRequest
    from sora_studio.core.models.install import resolve_installed
    from sora_studio.ui.generate.wiring import install_generation, uninstall_generation

    resolve_installed("wan-tiny")  # builds and registers the tiny model when this home has none
    queue = JobQueue(folder / "bench-jobs.sqlite")  # never the user's own queue
    ui = install_generation(window, queue=queue)
    controller = ui.controller
    size, seconds, steps = (64, 0.5, 4) if quick else (256, 2.0, 12)
    request = GenerationRequest(model_id="wan-tiny", prompt="a lighthouse at dusk", seconds=seconds,
                                width=size, height=size, seed=7, steps=steps)
    try:
        warm_id = controller.submit(request)[0]  # start the worker and load the model
        probe.run(app, 600, until=lambda: controller.queue.get(warm_id).state in ("done", "failed", "cancelled"))
        job_id = controller.submit(request)[0]
        started = time.perf_counter()
        result = probe.run(app, 600, until=lambda: controller.queue.get(job_id).state in ("done", "failed", "cancelled"))
        elapsed = time.perf_counter() - started
        live = controller.live_state(job_id)
        job = controller.queue.get(job_id)
        state, error = job.state, (job.error or {}).get("message")
    finally:
        uninstall_generation(window, ui)
        app.processEvents()  # deliver what the worker still reported, then let the controller go
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        queue.close()
    return {**result, "state": state, "generate_s": round(elapsed, 2), "steps": steps,
            "previews_received": live.preview_step, "shape": f"{size}x{size}, {seconds:g} s", "error": error}


def run(quick: bool = False) -> dict[str, Any]:
    return {
        "quick": quick,
        "cpu_count": os.cpu_count(),
        "startup": measure_startup(1 if quick else 5),
        "responsiveness": measure_responsiveness(quick),
    }


def format(result: dict[str, Any]) -> str:  # noqa: A001 - the bench contract's name
    s, r = result["startup"], result["responsiveness"]
    p, e, i = r["playing"], r["exporting"], r["idle"]
    lines = [
        f"UI benchmark ({'quick' if result['quick'] else 'full'}, {result['cpu_count']} CPUs)",
        "",
        f"start-up to first painted window (median of {s['repeats']})",
        f"  bare QApplication + QWidget   {s['baseline_s'] * 1000:8.0f} ms",
        f"  Sora Studio main window       {s['editor_s'] * 1000:8.0f} ms   ({s['ratio']:.2f}x baseline)",
        "",
        f"GUI stalls (longest gap of a 2 ms timer), media {r['media']}",
        f"  idle (baseline)               {i['longest_stall_ms']:8.1f} ms",
        f"  playing                       {p['longest_stall_ms']:8.1f} ms   ({r['stall_ratio_playing_vs_idle']}x idle)"
        f"   {p['fps']} fps shown of {p['target_fps']}, {p['frames_dropped']} dropped,"
        f" clock: {'audio' if p['audio_clock'] else 'wall'}",
        f"  exporting                     {e['longest_stall_ms']:8.1f} ms   ({r['stall_ratio_exporting_vs_idle']}x idle)"
        f"   export {e['export_s']} s = {e['speed_x_realtime']}x real time",
        f"  generating (tiny Wan worker)  {r['generating']['longest_stall_ms']:8.1f} ms"
        f"   ({r['stall_ratio_generating_vs_idle']}x idle)   {r['generating']['shape']},"
        f" {r['generating']['steps']} steps in {r['generating']['generate_s']} s, job {r['generating']['state']}"
        + (f" ({r['generating']['error']})" if r['generating'].get('error') else ""),
    ]
    return "\n".join(lines)
