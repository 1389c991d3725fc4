"""Screenshot of the editor on the demo project: `python -m sora_studio.ui.screenshot OUT.png [WORKDIR]`.

Used by tests/ui/test_screenshot.py (under Xvfb when available, else the offscreen platform) and to
refresh docs/screenshots/editor.png. Waits until thumbnails, waveforms and the viewer frame are in.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

PLAYHEAD = 130


def wait_until(app, condition, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return False


def open_editor(project_path: Path | None = None, workdir: Path | None = None, size: tuple[int, int] = (1600, 960)):
    """(app, window): the main window shown at `size` with a project open: `project_path`, or the demo project
    built in `workdir`. What every screenshot of the editor starts from."""
    from sora_studio.ui.app import create_app
    from sora_studio.ui.main_window import MainWindow

    if project_path is None:
        from sora_studio.ui.demo import build_demo_project

        assert workdir is not None, "give a project or a folder to build the demo project in"
        project = build_demo_project(workdir)
        project_path = project.path
        project.close()
    app = create_app([])
    window = MainWindow()
    window.resize(*size)
    window.show()
    if not window.open_path(project_path):
        raise RuntimeError(f"could not open the project at {project_path}")
    return app, window


def take_screenshot(out: Path, workdir: Path) -> Path:
    app, window = open_editor(workdir=workdir)
    session = window.session
    window.timeline_panel.zoom_to_fit()
    first_video = session.timeline.video_tracks()[0].clips[1]
    session.select({first_video.id})
    session.set_playhead(PLAYHEAD)
    session.set_mark_in(110)
    session.set_mark_out(190)
    previews = window.previews
    paths = {str(session.resolve(c.take.url)) for _, c in session.timeline.clips() if c.take}
    wait_until(app, lambda: all(previews.thumbnails(p) is not None or previews.peaks(p) is not None for p in paths)
               and previews.pending() == 0)
    playback = window.viewer.playback
    wait_until(app, lambda: playback.displayed_index == PLAYHEAD)
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)
    save_window_png(window, out)
    window.close()
    return out


def save_window_png(window, out: Path) -> None:
    """Grab the window as a person sees it (the X screen under Xvfb, the widget offscreen) and save a PNG."""
    from PySide6.QtGui import QGuiApplication

    screen = QGuiApplication.primaryScreen()
    pixmap = None
    if QGuiApplication.platformName() == "xcb" and screen is not None:
        pixmap = screen.grabWindow(0, window.x(), window.y(), window.width(), window.height())
    if pixmap is None or pixmap.isNull():
        pixmap = window.grab()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not pixmap.save(str(out), "PNG"):
        raise RuntimeError(f"could not write {out}")


def screenshot_main(argv: list[str], take, module: str) -> int:
    """`python -m MODULE OUT.png [WORKDIR]`: run `take(out, workdir)` in WORKDIR or a temporary folder."""
    if not argv:
        print(f"usage: python -m {module} OUT.png [WORKDIR]", file=sys.stderr)
        return 2
    out = Path(argv[0])
    if len(argv) > 1:
        take(out, Path(argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            take(out, Path(tmp))
    from PySide6.QtGui import QGuiApplication

    print(f"{out} (Qt platform: {QGuiApplication.platformName()})")
    return 0


def main(argv: list[str]) -> int:
    return screenshot_main(argv, take_screenshot, "sora_studio.ui.screenshot")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
