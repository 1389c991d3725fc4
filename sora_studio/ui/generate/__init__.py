"""The Generate panel (prompt -> queued generation jobs) and its hook into the main window."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sora_studio.ui.jobs.controller import GenerationController
    from sora_studio.ui.main_window import MainWindow


def install(window: MainWindow, client=None, queue=None) -> GenerationController:
    """Add the Generate and Queue docks and the Generate menu to the main window; returns the controller.

    `client` (an EngineClient or an object with its Signals) and `queue` (a JobQueue) default to the real
    ones; tests pass their own. The worker process only starts when the first job is submitted.
    """
    from sora_studio.ui.generate.wiring import install_generation

    return install_generation(window, client=client, queue=queue)
