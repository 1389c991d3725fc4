"""Timecode ruler above the tracks: ticks, labels, markers, in/out range and the playhead handle.

Click or drag on the ruler to move the playhead (scrubbing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, Slot
from PySide6.QtGui import QFont, QMouseEvent, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QWidget

from sora_studio.core.time import timecode
from sora_studio.ui import theme
from sora_studio.ui.timeline.layout import RULER_HEIGHT

if TYPE_CHECKING:
    from sora_studio.ui.session import EditorSession
    from sora_studio.ui.timeline.view import TimelineView


class TimeRuler(QWidget):
    def __init__(self, session: EditorSession, view: TimelineView) -> None:
        super().__init__()
        self.session = session
        self.view = view
        self.setFixedHeight(RULER_HEIGHT)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click or drag to move the playhead")
        self._cache: QPixmap | None = None
        self._cache_key: tuple | None = None
        session.playhead_changed.connect(self._refresh)
        session.marks_changed.connect(self._refresh)
        session.timeline_changed.connect(self._refresh)
        view.horizontalScrollBar().valueChanged.connect(self._refresh)
        view.zoom_changed.connect(self._refresh)

    @Slot()
    @Slot(int)
    def _refresh(self, *_: object) -> None:
        self.update()

    def frame_at(self, x: float) -> int:
        return self.view.layout_.frame_at(x + self.view.x_offset())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.session.set_playhead(self.frame_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.session.set_playhead(self.frame_at(event.position().x()))

    def paintEvent(self, event) -> None:  # noqa: N802
        # ticks, labels, marks and markers change rarely: cache them; the playhead is drawn on top each time
        s = self.session
        key = (self.view.x_offset(), self.view.layout_.pixels_per_frame, self.width(), self.height(), s.mark_in,
               s.mark_out, s.timeline.duration, tuple(m.frame for m in s.timeline.markers), s.timeline.rate)
        if key != self._cache_key or self._cache is None:
            self._cache = QPixmap(self.size() * self.devicePixelRatioF())
            self._cache.setDevicePixelRatio(self.devicePixelRatioF())
            cache_painter = QPainter(self._cache)
            self._paint_static(cache_painter)
            cache_painter.end()
            self._cache_key = key
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._cache)
        self._paint_playhead(painter)

    def _paint_playhead(self, painter: QPainter) -> None:
        height = self.height()
        x = self.view.layout_.x_of(self.session.playhead) - self.view.x_offset()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.PLAYHEAD)
        painter.drawPolygon(QPolygonF([QPointF(x - 7, height - 12), QPointF(x + 7, height - 12), QPointF(x, height)]))
        painter.setPen(QPen(theme.PLAYHEAD, 2))
        painter.drawLine(QPointF(x, height - 12), QPointF(x, height))

    def _paint_static(self, painter: QPainter) -> None:
        painter.fillRect(self.rect(), theme.BACKGROUND.darker(115))
        layout = self.view.layout_
        rate = self.session.timeline.rate
        ppf = layout.pixels_per_frame
        offset = self.view.x_offset()
        width, height = self.width(), self.height()
        s = self.session
        if s.mark_in is not None or s.mark_out is not None:
            x0 = layout.x_of(s.mark_in or 0) - offset
            x1 = layout.x_of(s.mark_out if s.mark_out is not None else s.timeline.duration) - offset
            painter.fillRect(QRectF(x0, 0, max(0.0, x1 - x0), height), theme.IN_OUT.lighter(130))
        major, minor = layout.ruler_step(float(rate))
        font = QFont(painter.font())
        font.setPointSizeF(8)
        painter.setFont(font)
        first = int(offset / ppf) // minor * minor
        frame = first
        while (x := frame * ppf - offset) <= width:
            if frame % major == 0:
                painter.setPen(QPen(theme.TEXT_DIM, 1))
                painter.drawLine(QPointF(x, height - 12), QPointF(x, height))
                painter.setPen(theme.TEXT)
                painter.drawText(QPointF(x + 4, 13), timecode(frame, rate))
            else:
                painter.setPen(QPen(theme.GRID.lighter(160), 1))
                painter.drawLine(QPointF(x, height - 5), QPointF(x, height))
            frame += minor
        for marker in s.timeline.markers:
            x = layout.x_of(marker.frame) - offset
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.MARKER)
            painter.drawPolygon(QPolygonF([QPointF(x - 5, 16), QPointF(x + 5, 16), QPointF(x, 24)]))
        painter.setPen(QPen(theme.GRID, 1))
        painter.drawLine(0, height - 1, width, height - 1)
