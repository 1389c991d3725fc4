"""GUI entry point: `run_gui(argv)` (cli.py calls it when no sub-command is given).

Start-up imports only Qt, numpy/PyAV and the core timeline/project modules; torch and diffusers are
never imported here (generation runs in the worker process). With SORA_STUDIO_STARTUP_PROBE=1 the app
prints the wall-clock time of its first painted main window and quits (used by `sora-studio bench ui`).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from sora_studio import __version__

PROBE_ENV = "SORA_STUDIO_STARTUP_PROBE"
# packages that add panels to the main window through `install(window)` (using MainWindow.add_dock)
PANEL_PACKAGES = ("sora_studio.ui.generate", "sora_studio.ui.storyboard", "sora_studio.ui.cameo")


class FirstPaintProbe(QObject):
    """Report (print) the time when the first paint of `window` has been processed, then quit."""

    def __init__(self, window: QWidget, quit_after: bool = True) -> None:
        super().__init__(window)
        self.window = window
        self.quit_after = quit_after
        self.painted_at: float | None = None
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if (self.painted_at is None and event.type() == QEvent.Type.Paint and isinstance(obj, QWidget)
                and obj.window() is self.window):
            self.painted_at = -1.0
            QTimer.singleShot(0, self._report)  # after this paint (and its siblings) completed
        return False

    def _report(self) -> None:
        self.painted_at = time.time()
        QApplication.instance().removeEventFilter(self)
        print(f"FIRST_PAINT {self.painted_at:.6f}", flush=True)
        if self.quit_after:
            QApplication.instance().quit()


def create_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication with name, icon and the dark theme (reused when one exists, e.g. in tests)."""
    from sora_studio.ui.icons import app_icon
    from sora_studio.ui.qt_compat import guard_none_refcount
    from sora_studio.ui.theme import apply_dark_theme

    guard_none_refcount()

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "sora-studio", *(argv or [])])
    app.setApplicationName("Sora Studio")
    app.setOrganizationName("Sora Studio")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("sora-studio")
    apply_dark_theme(app)
    app.setWindowIcon(app_icon())
    return app  # type: ignore[return-value]


def _display_available() -> bool:
    """Qt aborts the process when it cannot reach a display; say so instead (Linux/BSD only)."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd")) or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def install_panels(window, packages: tuple[str, ...] = PANEL_PACKAGES) -> list[str]:
    """Let other rooms add their docks and menus; one that fails is reported, never fatal to the editor."""
    import importlib
    import traceback

    installed, problems = [], []
    for name in packages:
        try:
            importlib.import_module(name).install(window)
        except Exception as exc:  # noqa: BLE001 - an optional panel must not take the editor down
            traceback.print_exc()
            problems.append(f"{name.rsplit('.', 1)[-1]} panel unavailable: {exc}")
            continue
        installed.append(name)
    if problems:
        window.statusBar().showMessage("; ".join(problems), 10000)
    return installed


def run_gui(argv: list[str]) -> int:
    """Open the editor (optionally on a project folder given in argv); returns the exit code."""
    project = next((a for a in argv if not a.startswith("-")), None)
    qt_args = [a for a in argv if a.startswith("-")]
    if project is not None and not Path(project).exists():
        print(f"sora-studio: error: no project at {project}", file=sys.stderr)
        return 2
    if not _display_available():
        print("sora-studio: error: no display to open the editor on (DISPLAY/WAYLAND_DISPLAY unset). Run it in a "
              "desktop session, or use the sub-commands (sora-studio --help) on a server.", file=sys.stderr)
        return 1
    app = create_app(qt_args)
    from sora_studio.ui.main_window import MainWindow

    window = MainWindow()
    install_panels(window)
    window.restore_layout()
    if os.environ.get(PROBE_ENV):
        FirstPaintProbe(window)
    window.show()
    if project is not None:
        QTimer.singleShot(0, lambda: window.open_path(project))
    QTimer.singleShot(WARM_UP_DELAY_MS, warm_policy_in_background)  # after the window has painted
    return int(app.exec())


WARM_UP_DELAY_MS = 1500


def warm_policy_in_background() -> None:
    """Compile the prompt policy off the GUI thread at start-up: compiling its rules takes seconds on a slow
    machine, and the first Generate click (which checks the prompt) should not wait for it."""
    import threading

    def warm() -> None:
        # compiling is pure Python and holds the GIL; a short switch interval lets the GUI thread in often
        # (with the default 5 ms, every GUI callback waits its turn and the window stutters)
        interval = sys.getswitchinterval()
        sys.setswitchinterval(min(interval, 0.0005))
        try:
            from sora_studio.core.safety.rules import load_policy

            load_policy()
        except Exception:  # noqa: BLE001 - a broken policy is reported where it is used, with its message
            pass
        finally:
            sys.setswitchinterval(interval)

    threading.Thread(target=warm, name="policy-warm-up", daemon=True).start()
