"""Hook generation into the main window: the Generate and Queue docks and a Generate menu.

Only public MainWindow API is used (`add_dock`, `session`, `menuBar`, `statusBar`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDockWidget, QMenu

from sora_studio.ui.generate.panel import GeneratePanel
from sora_studio.ui.jobs.controller import GenerationController
from sora_studio.ui.jobs.queue_dock import QueueDock


@dataclass
class GenerationUI:
    controller: GenerationController
    panel: GeneratePanel
    queue_view: QueueDock
    panel_dock: QDockWidget
    queue_dock: QDockWidget
    actions: dict[str, QAction]
    menu: QMenu
    owns_queue: bool = False  # install() opened the queue, so uninstall closes it


def install_generation(window: Any, client: Any = None, queue: Any = None) -> GenerationUI:
    """See sora_studio.ui.generate.install. Installing again replaces the previous installation (tests swap in
    a fake engine this way); the result is also kept as `window.generation`."""
    previous = getattr(window, "generation", None)
    if isinstance(previous, GenerationUI):
        uninstall_generation(window, previous)
    owns_queue = queue is None
    if queue is None:
        from sora_studio.core.generation.queue import JobQueue

        queue = JobQueue()
    if client is None:
        from sora_studio.engine.client import EngineClient

        client = EngineClient()
    controller = GenerationController(window.session, client, queue, parent=window)
    panel = GeneratePanel(window.session, controller)
    queue_view = QueueDock(controller)
    panel_dock, queue_dock = _add_docks(window, panel, queue_view)
    controller.message.connect(lambda text: window.statusBar().showMessage(text, 8000))  # emitted on the GUI thread

    menu = window.menuBar().addMenu("&Generate")
    actions = {
        "generate": QAction("&Generate from Panel", window),
        "take": QAction("Generate &Take for Selected Clip", window),
        "pause": QAction("&Pause Queue", window),
    }
    actions["generate"].setStatusTip("Queue the Generate panel's prompt (Ctrl+Enter inside the panel)")
    actions["generate"].triggered.connect(panel.generate)
    actions["take"].triggered.connect(panel.generate_take)
    actions["pause"].setCheckable(True)
    actions["pause"].toggled.connect(controller.set_paused)
    controller.jobs_changed.connect(lambda: actions["pause"].setChecked(controller.paused))
    for action in actions.values():
        menu.addAction(action)
    tasks = getattr(window, "tasks", None)
    if tasks is not None:
        StatusTask(controller, tasks)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(controller.shutdown)  # stop the worker process with the app
    controller.pump()  # jobs still queued from the last session continue (unless the queue is paused)
    ui = GenerationUI(controller, panel, queue_view, panel_dock, queue_dock, actions, menu, owns_queue)
    window.generation = ui
    return ui


def uninstall_generation(window: Any, ui: GenerationUI) -> None:
    """Remove the docks and the menu and stop the controller's engine."""
    ui.controller.shutdown()
    for reporter in ui.controller.findChildren(StatusTask):
        reporter.finish()
    panels_menu = getattr(window, "panels_menu", None)
    docks = getattr(window, "docks", {})
    for name, dock in (("Generate", ui.panel_dock), ("Queue", ui.queue_dock)):
        if panels_menu is not None:
            panels_menu.removeAction(dock.toggleViewAction())
        window.removeDockWidget(dock)
        if docks.get(name) is dock:
            del docks[name]
        dock.deleteLater()
    window.menuBar().removeAction(ui.menu.menuAction())
    ui.menu.deleteLater()
    ui.controller.deleteLater()
    if getattr(window, "generation", None) is ui:
        window.generation = None
    if ui.owns_queue:
        ui.controller.queue.close()


def _add_docks(window: Any, panel: GeneratePanel, queue_view: QueueDock) -> tuple[QDockWidget, QDockWidget]:
    """Generate beside the Inspector (top row), the Queue beside the Timeline; plain right-hand docks otherwise."""
    right = Qt.DockWidgetArea.RightDockWidgetArea
    docks = getattr(window, "docks", {})
    panel_dock = window.add_dock("Generate", panel, right)
    queue_dock = window.add_dock("Queue", queue_view, right)
    horizontal = Qt.Orientation.Horizontal
    if "Inspector" in docks and "Timeline" in docks:
        window.splitDockWidget(docks["Inspector"], panel_dock, horizontal)
        window.splitDockWidget(docks["Timeline"], queue_dock, horizontal)
        top = [d for d in (docks.get("Media"), docks.get("Viewer"), docks["Inspector"]) if d is not None]
        window.resizeDocks([*top, panel_dock], [300, 600, 220, 480][-len(top) - 1:], horizontal)
        window.resizeDocks([docks["Timeline"], queue_dock], [1060, 540], horizontal)
    else:
        window.splitDockWidget(panel_dock, queue_dock, Qt.Orientation.Vertical)
    return panel_dock, queue_dock


class StatusTask(QObject):
    """Shows the running generation in the main window's background-task area ("Generating: step 3/30")."""

    def __init__(self, controller: GenerationController, tasks: Any) -> None:
        super().__init__(controller)
        self.controller, self.tasks = controller, tasks
        self.key: str | None = None
        controller.job_updated.connect(self.update)
        controller.jobs_changed.connect(self.update)

    def finish(self) -> None:
        if self.key is not None:
            self.tasks.end(self.key)
            self.key = None

    @Slot()
    @Slot(str)
    def update(self, *_: object) -> None:
        running = self.controller.runner.running
        if running is None or self.controller.closed:
            self.finish()
            return
        live = self.controller.live_state(running)
        label = f"Generating: step {live.step}/{live.steps}" if live.steps else "Generating: loading the model"
        if self.key is None:
            self.key = self.tasks.begin(label)
        else:
            self.tasks.update(self.key, label)
