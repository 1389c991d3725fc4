"""The timeline QGraphicsView: track rows, clips, markers, in/out range, playhead; mouse editing; zoom.

Mouse: click selects (Ctrl toggles), drag a clip body to move it (also to another track of its kind),
drag within HANDLE_PX of a clip edge to trim it (hold Alt when pressing for a ripple trim), drag on
empty space for a rubber-band selection (Ctrl adds). Snapping to edges/playhead/markers is on unless
Shift is held. Ctrl+wheel zooms around the mouse; Shift+wheel scrolls sideways.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen, QWheelEvent
from PySide6.QtWidgets import QGraphicsView

from sora_studio.ui import theme
from sora_studio.ui.timeline import drop
from sora_studio.ui.timeline.clip_item import ClipItem
from sora_studio.ui.timeline.gestures import MoveGesture, TrimGesture

if TYPE_CHECKING:
    from sora_studio.ui.session import EditorSession
    from sora_studio.ui.timeline.scene import TimelineScene


class TimelineView(QGraphicsView):
    zoom_changed = Signal()
    context_menu_requested = Signal(object, QPoint)  # clip id or None, global position

    def __init__(self, scene: TimelineScene, session: EditorSession) -> None:
        super().__init__(scene)
        self.tl_scene = scene
        self.session = session
        self.layout_ = scene.layout
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._gesture: MoveGesture | TrimGesture | None = None
        self._band: tuple[QPointF, QPointF, bool] | None = None
        self._painted_playhead = 0
        self._shown = False
        self.import_files = lambda paths: []  # set by the main window (the media bin imports dropped files)
        session.playhead_changed.connect(self._on_playhead)
        session.marks_changed.connect(self._repaint)
        session.timeline_changed.connect(self._repaint)

    # -- coordinates -----------------------------------------------------------------------
    def scene_pos(self, event: QMouseEvent) -> QPointF:
        return self.mapToScene(event.position().toPoint())

    def clip_item_at(self, view_pos: QPoint) -> ClipItem | None:
        """The clip under the mouse; at a cut between two clips, the one whose box holds the point."""
        point = self.mapToScene(view_pos)
        candidates = [i for i in self.items(view_pos) if isinstance(i, ClipItem)]
        for item in candidates:
            if item.rect().contains(point):
                return item
        return candidates[0] if candidates else None

    def x_offset(self) -> int:
        return self.horizontalScrollBar().value()

    # -- zoom ------------------------------------------------------------------------------
    def zoom_by(self, factor: float, anchor_view_x: float | None = None) -> None:
        if anchor_view_x is None:
            anchor_view_x = self.viewport().width() / 2
        anchor_frame = (self.x_offset() + anchor_view_x) / self.layout_.pixels_per_frame
        self.layout_.set_zoom(self.layout_.pixels_per_frame * factor)
        self.tl_scene.sync()
        self.horizontalScrollBar().setValue(round(self.layout_.x_of(anchor_frame) - anchor_view_x))
        self.zoom_changed.emit()

    def zoom_to_fit(self) -> None:
        frames = max(1, self.session.timeline.duration)
        self.layout_.set_zoom((self.viewport().width() - 40) / frames)
        self.tl_scene.sync()
        self.horizontalScrollBar().setValue(0)
        self.zoom_changed.emit()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(1.25**steps, event.position().x())
            event.accept()
        elif event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - round(steps * 120))
            event.accept()
        else:
            super().wheelEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.tl_scene.set_min_width(self.viewport().width())

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._shown:  # QGraphicsView centres the scene on first show; a timeline starts at 0
            self._shown = True
            self.horizontalScrollBar().setValue(0)
            self.verticalScrollBar().setValue(0)

    # -- mouse -----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self.setFocus()
        mods = event.modifiers()
        pos = self.scene_pos(event)
        item = self.clip_item_at(event.position().toPoint())
        if item is None:
            self._band = (pos, pos, bool(mods & Qt.KeyboardModifier.ControlModifier))
            if not mods & Qt.KeyboardModifier.ControlModifier:
                self.session.select(set())
            return
        clip_id = item.clip_id
        if mods & Qt.KeyboardModifier.ControlModifier:
            self.session.select(self.session.selection ^ {clip_id})
            return
        if clip_id not in self.session.selection:
            self.session.select({clip_id})
        track, _ = self.session.timeline.find_clip(clip_id)
        if track.locked:
            self.session.edit_failed.emit(f"track {track.name!r} is locked: unlock it to edit its clips")
            return
        snapping = not mods & Qt.KeyboardModifier.ShiftModifier
        zone = item.zone_at(pos)
        if zone == "body":
            self._gesture = MoveGesture(self.session, self.layout_, clip_id, pos.x(), snapping)
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        else:
            ripple = bool(mods & Qt.KeyboardModifier.AltModifier)
            self.session.select({clip_id})
            self._gesture = TrimGesture(self.session, self.layout_, clip_id, zone, pos.x(), ripple, snapping)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = self.scene_pos(event)
        if self._gesture is not None:
            self._gesture.move_to(pos.x(), pos.y())
            self.ensureVisible(QRectF(pos.x(), pos.y(), 1, 1), 40, 0)
            self.viewport().update()
            return
        if self._band is not None:
            self._band = (self._band[0], pos, self._band[2])
            self.viewport().update()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._gesture is not None:
            self._gesture = None
            self.viewport().unsetCursor()
            self.viewport().update()
            return
        if self._band is not None:
            start, end, additive = self._band
            self._band = None
            rect = QRectF(start, end).normalized()
            if rect.width() > 2 or rect.height() > 2:
                hit = {i.clip_id for i in self.tl_scene.items(rect) if isinstance(i, ClipItem)}
                self.session.select((self.session.selection | hit) if additive else hit)
            self.viewport().update()
            return
        super().mouseReleaseEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        item = self.clip_item_at(event.pos())
        clip_id = item.clip_id if item is not None else None
        if clip_id is not None and clip_id not in self.session.selection:
            self.session.select({clip_id})
        self.context_menu_requested.emit(clip_id, event.globalPos())

    # -- drops from the media bin or the desktop ----------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if drop.accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if drop.accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802
        items = drop.media_for_drop(self.session, event.mimeData(), self.import_files)
        pos = self.mapToScene(event.position().toPoint())
        if drop.place_media(self.session, self.layout_, items, pos.x(), pos.y()):
            event.acceptProposedAction()
        else:
            event.ignore()

    # -- painting --------------------------------------------------------------------------
    @Slot()
    def _repaint(self) -> None:
        self.viewport().update()

    @Slot(int)
    def _on_playhead(self, frame: int) -> None:
        # repaint only the two thin strips the playhead leaves and enters (cheap during playback)
        height = self.viewport().height()
        for f in (self._painted_playhead, frame):
            x = round(self.layout_.x_of(f)) - self.x_offset()
            self.viewport().update(x - 3, 0, 6, height)
        self._painted_playhead = frame

    def ensure_playhead_visible(self) -> None:
        x = self.layout_.x_of(self.session.playhead)
        left, width = self.x_offset(), self.viewport().width()
        if not left <= x <= left + width - 20:
            self.horizontalScrollBar().setValue(round(x - width * 0.2))

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        painter.fillRect(rect, theme.PANEL)
        for i, row in enumerate(self.layout_.rows):
            band = QRectF(rect.left(), row.top, rect.width(), row.height)
            painter.fillRect(band, theme.TRACK_ROW if i % 2 == 0 else theme.TRACK_ROW_ALT)
            painter.fillRect(QRectF(rect.left(), row.bottom - 1, rect.width(), 1), theme.GRID)
        major, _ = self.layout_.ruler_step(float(self.session.timeline.rate))
        ppf = self.layout_.pixels_per_frame
        first = int(rect.left() / ppf) // major * major
        painter.setPen(QPen(QColor(255, 255, 255, 14), 1))
        frame = first
        while frame * ppf <= rect.right():
            x = frame * ppf
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            frame += major
        s = self.session
        if s.mark_in is not None or s.mark_out is not None:
            x0 = self.layout_.x_of(s.mark_in or 0)
            x1 = self.layout_.x_of(s.mark_out if s.mark_out is not None else s.timeline.duration)
            painter.fillRect(QRectF(x0, rect.top(), max(0, x1 - x0), rect.height()), theme.IN_OUT)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        bottom = max(rect.bottom(), self.layout_.total_height)
        for marker in self.session.timeline.markers:
            x = self.layout_.x_of(marker.frame)
            painter.setPen(QPen(theme.MARKER, 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, bottom))
        snapped = getattr(self._gesture, "snapped_to", None)
        if snapped is not None:
            x = self.layout_.x_of(snapped)
            painter.setPen(QPen(theme.SELECTION, 1))
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, bottom))
        x = self.layout_.x_of(self.session.playhead)
        painter.setPen(QPen(theme.PLAYHEAD, 2))
        painter.drawLine(QPointF(x, rect.top()), QPointF(x, bottom))
        if self._band is not None:
            band = QRectF(self._band[0], self._band[1]).normalized()
            painter.setPen(QPen(theme.ACCENT, 1))
            painter.setBrush(QColor(61, 111, 182, 50))
            painter.drawRect(band)
