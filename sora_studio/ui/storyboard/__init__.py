"""The storyboard dock. Hook it into the main window with:

    from sora_studio.ui.storyboard import install
    install(window)          # adds the "Storyboard" dock via window.add_dock (sora_studio.ui.app does it)

`generator_factory` makes the ShotGenerator used for shots (default: the engine worker process).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from sora_studio.ui.storyboard.panel import StoryboardPanel


def _engine_generator() -> Any:
    from sora_studio.engine.shot_generator import EngineGenerator

    return EngineGenerator()


def install(window: Any, generator_factory: Any = None) -> StoryboardPanel:
    panel = StoryboardPanel(window.session, generator_factory or _engine_generator)
    window.add_dock("Storyboard", panel, Qt.DockWidgetArea.LeftDockWidgetArea)
    window.storyboard_panel = panel
    return panel


__all__ = ["StoryboardPanel", "install"]
