"""Icons painted at run time (no third-party icon files to license) plus the bundled application icon."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from sora_studio.core.resources import resource_path

_FG = QColor("#e8e9eb")


def app_icon() -> QIcon:
    """The application icon (resources/icons/sora-studio.svg); a painted fallback if SVG support is absent."""
    path = resource_path("icons", "sora-studio.svg")
    icon = QIcon(str(path)) if path.exists() else QIcon()
    if icon.isNull() or not icon.availableSizes() and icon.pixmap(64, 64).isNull():
        return icon_for("play")
    return icon


@cache
def icon_for(name: str, color: str = "#e8e9eb") -> QIcon:
    """A small monochrome icon by name: play, pause, stop, step-back, step-forward, mark-in, mark-out, import,
    to-start, to-end."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    _PAINTERS.get(name, _paint_play)(painter)
    painter.end()
    return QIcon(pixmap)


def _triangle(painter: QPainter, x0: float, x1: float, y0: float = 7, y1: float = 25) -> None:
    painter.drawPolygon(QPolygonF([QPointF(x0, y0), QPointF(x1, (y0 + y1) / 2), QPointF(x0, y1)]))


def _paint_play(p: QPainter) -> None:
    _triangle(p, 9, 25)


def _paint_pause(p: QPainter) -> None:
    p.drawRect(QRectF(8, 7, 6, 18))
    p.drawRect(QRectF(18, 7, 6, 18))


def _paint_stop(p: QPainter) -> None:
    p.drawRect(QRectF(8, 8, 16, 16))


def _paint_step_back(p: QPainter) -> None:
    p.drawRect(QRectF(7, 8, 4, 16))
    _triangle(p, 25, 12, 8, 24)


def _paint_step_forward(p: QPainter) -> None:
    _triangle(p, 7, 20, 8, 24)
    p.drawRect(QRectF(21, 8, 4, 16))


def _paint_to_start(p: QPainter) -> None:
    p.drawRect(QRectF(6, 8, 3, 16))
    _triangle(p, 18, 9, 8, 24)
    _triangle(p, 27, 18, 8, 24)


def _paint_to_end(p: QPainter) -> None:
    _triangle(p, 5, 14, 8, 24)
    _triangle(p, 14, 23, 8, 24)
    p.drawRect(QRectF(23, 8, 3, 16))


def _bracket(p: QPainter, left: bool) -> None:
    pen = QPen(p.brush().color(), 3)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    path = QPainterPath()
    if left:
        path.moveTo(20, 6)
        path.lineTo(11, 6)
        path.lineTo(11, 26)
        path.lineTo(20, 26)
    else:
        path.moveTo(12, 6)
        path.lineTo(21, 6)
        path.lineTo(21, 26)
        path.lineTo(12, 26)
    p.drawPath(path)


def _paint_import(p: QPainter) -> None:
    p.drawRect(QRectF(6, 22, 20, 4))
    p.drawRect(QRectF(14, 5, 4, 12))
    p.drawPolygon(QPolygonF([QPointF(8, 14), QPointF(24, 14), QPointF(16, 22)]))


_PAINTERS = {
    "play": _paint_play,
    "pause": _paint_pause,
    "stop": _paint_stop,
    "step-back": _paint_step_back,
    "step-forward": _paint_step_forward,
    "to-start": _paint_to_start,
    "to-end": _paint_to_end,
    "mark-in": lambda p: _bracket(p, True),
    "mark-out": lambda p: _bracket(p, False),
    "import": _paint_import,
}
