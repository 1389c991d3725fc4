"""The timeline dock's widget: ruler on top, track headers on the left, the clip view, context menus."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QGridLayout, QLabel, QMenu, QWidget

from sora_studio.core.time import timecode
from sora_studio.ui.takes import take_label
from sora_studio.ui.timeline import commands
from sora_studio.ui.timeline.headers import TrackHeaders
from sora_studio.ui.timeline.layout import HEADER_WIDTH, RULER_HEIGHT, TimelineLayout
from sora_studio.ui.timeline.ruler import TimeRuler
from sora_studio.ui.timeline.scene import TimelineScene
from sora_studio.ui.timeline.view import TimelineView

if TYPE_CHECKING:
    from sora_studio.ui.previews import PreviewCache
    from sora_studio.ui.session import EditorSession


class TimelinePanel(QWidget):
    def __init__(self, session: EditorSession, previews: PreviewCache) -> None:
        super().__init__()
        self.session = session
        self.layout_model = TimelineLayout()
        self.scene = TimelineScene(session, previews, self.layout_model)
        self.view = TimelineView(self.scene, session)
        self.ruler = TimeRuler(session, self.view)
        self.headers = TrackHeaders(session, self.layout_model, self.view)
        corner = QLabel()
        corner.setObjectName("timecode")
        corner.setFixedSize(HEADER_WIDTH, RULER_HEIGHT)
        corner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.corner = corner
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)
        grid.addWidget(corner, 0, 0)
        grid.addWidget(self.ruler, 0, 1)
        grid.addWidget(self.headers, 1, 0)
        grid.addWidget(self.view, 1, 1)
        self.view.context_menu_requested.connect(self._show_context_menu)
        session.playhead_changed.connect(self._on_playhead)
        session.project_changed.connect(self._on_project)
        self._on_playhead(session.playhead)

    @Slot(int)
    def _on_playhead(self, frame: int) -> None:
        self.corner.setText(timecode(frame, self.session.timeline.rate))

    @Slot()
    def _on_project(self) -> None:
        self.scene.forget_files()
        self.scene.sync()

    def zoom_in(self) -> None:
        self.view.zoom_by(1.5)

    def zoom_out(self) -> None:
        self.view.zoom_by(1 / 1.5)

    def zoom_to_fit(self) -> None:
        self.view.zoom_to_fit()

    # -- context menu ----------------------------------------------------------------------
    def build_context_menu(self, clip_id: str | None) -> QMenu:
        menu = QMenu(self)
        s = self.session
        if clip_id is None:
            menu.addAction("Add Marker at Playhead", lambda: commands.add_marker(s))
            menu.addAction("Split at Playhead", lambda: commands.split_at_playhead(s))
            menu.addAction("Select All", lambda: commands.select_all(s))
            return menu
        _, clip = s.timeline.find_clip(clip_id)
        menu.addAction("Split at Playhead", lambda: commands.split_at_playhead(s))
        menu.addAction("Lift", lambda: commands.lift_selection(s))
        menu.addAction("Ripple Delete", lambda: commands.ripple_delete_selection(s))
        menu.addSeparator()
        menu.addAction("Disable Clip" if clip.enabled else "Enable Clip", lambda: commands.toggle_enabled(s))
        takes = menu.addMenu("Takes")
        takes.setEnabled(len(clip.takes) > 0)
        group = QActionGroup(takes)
        for key, take in clip.takes.items():
            action = QAction(take_label(key, take), takes)
            action.setCheckable(True)
            action.setChecked(key == clip.active_take)
            action.setData(key)
            action.triggered.connect(lambda _=False, k=key, cid=clip_id: commands.set_active_take(s, cid, k))
            group.addAction(action)
            takes.addAction(action)
        menu.addSeparator()
        menu.addAction("Add Marker at Playhead", lambda: commands.add_marker(s))
        return menu

    @Slot(object, QPoint)
    def _show_context_menu(self, clip_id: str | None, global_pos: QPoint) -> None:
        self.build_context_menu(clip_id).exec(global_pos)
