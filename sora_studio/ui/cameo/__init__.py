"""Cameo views: the enrollment wizard (thin over sora_studio.core.cameo), opened from the Cameos menu."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction


def install(window: Any) -> None:
    """Add a Cameos menu with "Enroll Cameo…" to the main window."""
    menu = window.menuBar().addMenu("&Cameos")
    action = QAction("&Enroll Cameo…", window)
    action.setStatusTip("Enroll yourself, a pet or an object as a cameo (recorded video or webcam)")
    action.triggered.connect(lambda: open_enroll_wizard(window))
    menu.addAction(action)
    window.cameo_menu = menu


def open_enroll_wizard(window: Any) -> None:
    from sora_studio.core.cameo.store import CameoStore
    from sora_studio.ui.cameo.wizard import EnrollWizard

    store = CameoStore()
    wizard = EnrollWizard(store, window)
    try:
        if wizard.exec() and wizard.enrolled is not None:
            window.statusBar().showMessage(f"Cameo @{wizard.enrolled.name} enrolled", 8000)
    finally:
        store.close()
