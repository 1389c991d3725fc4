"""The main window: docks (media bin, viewer, timeline, inspector), menus, status bar. Kept thin: the
panels do their own work; file handling lives in ProjectController, actions in menus.py.

Other rooms add their panels with `add_dock(name, widget, area)` (the Generate panel, the job queue).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QWidget

from sora_studio import __version__
from sora_studio.core.time import timecode
from sora_studio.ui.inspector import Inspector
from sora_studio.ui.library.media_bin import MediaBin
from sora_studio.ui.menus import build_menus
from sora_studio.ui.previews import PreviewCache
from sora_studio.ui.project_controller import ProjectController
from sora_studio.ui.session import EditorSession
from sora_studio.ui.tasks import TaskTracker
from sora_studio.ui.timeline.panel import TimelinePanel
from sora_studio.ui.viewer.panel import ViewerPanel

AUTOSAVE_MS = 60_000
LAYOUT_VERSION = 1  # bump when the default dock arrangement changes


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("SoraStudioMainWindow")
        self.resize(1600, 960)
        self.setDockNestingEnabled(True)
        self.session = EditorSession(self)
        self.tasks = TaskTracker(self)
        self.previews = PreviewCache(self)
        self.docks: dict[str, QDockWidget] = {}

        self.timeline_panel = TimelinePanel(self.session, self.previews)
        self.viewer = ViewerPanel(self.session)
        self.media_bin = MediaBin(self.session, self.previews)
        self.inspector = Inspector(self.session)
        self.projects = ProjectController(self)
        self.timeline_panel.view.import_files = self.media_bin.import_files

        self.setCentralWidget(None)
        top = Qt.DockWidgetArea.TopDockWidgetArea
        self.add_dock("Media", self.media_bin, top)
        self.add_dock("Viewer", self.viewer, top)
        self.add_dock("Inspector", self.inspector, top)
        self.add_dock("Timeline", self.timeline_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.splitDockWidget(self.docks["Media"], self.docks["Viewer"], Qt.Orientation.Horizontal)
        self.splitDockWidget(self.docks["Viewer"], self.docks["Inspector"], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["Media"], self.docks["Viewer"], self.docks["Inspector"]], [380, 860, 340],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["Viewer"], self.docks["Timeline"]], [520, 420], Qt.Orientation.Vertical)

        self.actions_ = build_menus(self)
        self._build_status_bar()
        self.session.undo_stack.cleanChanged.connect(self._update_title)
        self.session.project_changed.connect(self._update_title)
        self.session.dirty_changed.connect(self._update_title)
        self.session.media_changed.connect(self._update_title)
        self.session.media_changed.connect(self.timeline_panel.scene.forget_files)
        self.session.media_changed.connect(self.media_bin.sync)
        self.session.playhead_changed.connect(self._on_playhead)
        self.session.edit_failed.connect(self._show_refusal)
        self.viewer.playback.error_occurred.connect(self._show_playback_error)
        self.tasks.changed.connect(self._on_tasks)
        self.previews.pending_changed.connect(self._on_previews_pending)
        self._previews_task: str | None = None
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.projects.autosave)
        self.autosave_timer.start()
        self._update_title()

    # -- extension point ---------------------------------------------------------------------
    def add_dock(self, name: str, widget: QWidget, area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
                 tabify_with: str | None = None) -> QDockWidget:
        """Add a panel as a dock (listed in View > Panels); other rooms call this for their panels."""
        dock = QDockWidget(name, self)
        dock.setObjectName(f"dock-{name}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        if tabify_with and tabify_with in self.docks:
            self.tabifyDockWidget(self.docks[tabify_with], dock)
        self.docks[name] = dock
        panels_menu = getattr(self, "panels_menu", None)
        if panels_menu is not None:
            panels_menu.addAction(dock.toggleViewAction())
        return dock

    # -- status bar ----------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_timecode = QLabel()
        self.status_timecode.setObjectName("statusTimecode")
        self.status_project = QLabel()
        self.status_dirty = QLabel()
        self.status_tasks = QLabel("No background tasks")
        for widget in (self.status_tasks, self.status_project, self.status_dirty, self.status_timecode):
            bar.addPermanentWidget(widget)
        self._on_playhead(self.session.playhead)

    @Slot(int)
    def _on_playhead(self, frame: int) -> None:
        self.status_timecode.setText(timecode(frame, self.session.timeline.rate))

    @Slot(str)
    def _show_refusal(self, message: str) -> None:
        self.statusBar().showMessage(f"Not done: {message}", 6000)

    @Slot(str)
    def _show_playback_error(self, message: str) -> None:
        self.statusBar().showMessage(f"{message} (relink missing media or check the file, then press Space)", 10000)

    @Slot(int)
    def _on_previews_pending(self, count: int) -> None:
        label = f"Making thumbnails and waveforms ({count} left)"
        if count and self._previews_task is None:
            self._previews_task = self.tasks.begin(label)
        elif count and self._previews_task is not None:
            self.tasks.update(self._previews_task, label)
        elif not count and self._previews_task is not None:
            self.tasks.end(self._previews_task)
            self._previews_task = None

    @Slot()
    def _on_tasks(self) -> None:
        self.status_tasks.setText(self.tasks.summary())

    @Slot()
    @Slot(bool)
    def _update_title(self, *_: object) -> None:
        dirty = self.session.dirty
        name = self.session.name
        self.setWindowModified(dirty)
        self.setWindowTitle(f"{name}[*] — Sora Studio {__version__}")
        self.status_project.setText(f"Project: {name}")
        self.status_dirty.setText("● Unsaved changes" if dirty else "Saved")
        self.status_dirty.setStyleSheet("color: #f0c050;" if dirty else "color: #7d8088;")

    # -- window layout (per user, under the studio's config dir) ----------------------------------
    def _layout_settings(self) -> QSettings:
        from sora_studio.core.appdirs import config_dir

        return QSettings(str(config_dir() / "editor-layout.ini"), QSettings.Format.IniFormat)

    def save_layout(self) -> None:
        settings = self._layout_settings()
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("state", self.saveState(LAYOUT_VERSION))

    def restore_layout(self) -> bool:
        """Bring back the last size and dock arrangement (call after every panel has been added)."""
        settings = self._layout_settings()
        geometry, state = settings.value("geometry"), settings.value("state")
        restored = bool(geometry) and self.restoreGeometry(geometry)
        return bool(state) and self.restoreState(state, LAYOUT_VERSION) and restored

    # -- life cycle ------------------------------------------------------------------------------
    def open_path(self, path: str | Path) -> bool:
        return self.projects.open_project(Path(path), ask=False)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.projects.confirm_stop_export() or not self.projects.confirm_discard("quitting"):
            event.ignore()
            return
        self.save_layout()
        self.autosave_timer.stop()
        self.viewer.shutdown()
        self.previews.shutdown()
        self.projects.shutdown()
        event.accept()
