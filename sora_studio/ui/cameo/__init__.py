"""Cameo views: the enrollment wizard and the permissions/usage panel (thin over sora_studio.core.cameo),
opened from the Cameos menu."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction


def install(window: Any) -> None:
    """Add a Cameos menu with "Enroll Cameo…" and "Permissions and Usage…" to the main window."""
    menu = window.menuBar().addMenu("&Cameos")
    action = QAction("&Enroll Cameo…", window)
    action.setStatusTip("Enroll yourself, a pet or an object as a cameo (live webcam or a recorded video)")
    action.triggered.connect(lambda: open_enroll_wizard(window))
    menu.addAction(action)
    manage = QAction("&Permissions and Usage…", window)
    manage.setStatusTip("Who may use your cameos, the people you approve, every use; revoke, delete, delete clips")
    manage.triggered.connect(lambda: open_cameo_panel(window))
    menu.addAction(manage)
    window.cameo_menu = menu
    window.cameo_panel = None


def open_enroll_wizard(window: Any) -> None:
    from sora_studio.core.cameo.store import CameoStore
    from sora_studio.ui.cameo.wizard import EnrollWizard

    store = CameoStore()
    wizard = EnrollWizard(store, window)
    try:
        if wizard.exec() and wizard.enrolled is not None:
            window.statusBar().showMessage(f"Cameo @{wizard.enrolled.name} enrolled", 8000)
            if getattr(window, "cameo_panel", None) is not None:
                window.cameo_panel.refresh()
    finally:
        store.close()


def project_access(window: Any):
    """The open project and the session's undoable edit function, for deleting a cameo's clips from it."""
    session = getattr(window, "session", None)
    project = getattr(session, "project", None)
    return (project, session.do) if project is not None else None


def open_cameo_panel(window: Any) -> Any:
    """Show the (one) permissions and usage panel; it keeps its own store connection until closed."""
    from sora_studio.core.cameo.store import CameoStore
    from sora_studio.ui.cameo.panel import CameoPanel

    panel = getattr(window, "cameo_panel", None)
    if panel is None:
        store = CameoStore()
        panel = CameoPanel(store, lambda: project_access(window), window)
        panel.finished.connect(lambda _result: _close_panel(window))
        window.cameo_panel = panel
    panel.refresh()
    panel.show()
    panel.raise_()
    return panel


def _close_panel(window: Any) -> None:
    panel = window.cameo_panel
    window.cameo_panel = None
    if panel is not None:
        panel.store.close()
        panel.deleteLater()
