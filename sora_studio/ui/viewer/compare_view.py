"""The canvas of the A/B compare mode: two takes as a split wipe (a vertical divider you drag) or side by side,
each side labelled with its take, "media missing" (or the read error) painted where a picture can't be had.

It only paints what it is given (`set_picture`, `set_label`); ComparePanel decides what goes where.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from sora_studio.ui.viewer.compare import TakeSide

WIPE, SIDE_BY_SIDE = "wipe", "side"
BACKGROUND = QColor("#0b0c0e")


class CompareCanvas(QWidget):
    """Paints side "A" and side "B"; `swapped` puts B on the left. The divider is a fraction of the width."""

    resized = Signal(QSize)
    split_changed = Signal(float)

    def __init__(self) -> None:
        super().__init__()
        self.mode = WIPE
        self.split = 0.5
        self.swapped = False
        self.pictures: dict[str, QImage | None] = {"A": None, "B": None}
        self.messages: dict[str, str] = {"A": "Decoding…", "B": "Decoding…"}
        self.labels: dict[str, TakeSide | None] = {"A": None, "B": None}
        self.note = ""  # e.g. "playhead outside the clip: showing its last frame"
        self._dragging = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 135)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setCursor(Qt.CursorShape.SplitHCursor)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    # -- state -------------------------------------------------------------------------------
    def set_picture(self, side: str, image: QImage | None, message: str = "") -> None:
        self.pictures[side] = image if image is not None and not image.isNull() else None
        self.messages[side] = message
        self.update()

    def set_label(self, side: str, label: TakeSide | None) -> None:
        self.labels[side] = label
        self.update()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.setCursor(Qt.CursorShape.SplitHCursor if mode == WIPE else Qt.CursorShape.ArrowCursor)
        self.update()

    def set_split(self, fraction: float) -> None:
        self.split = min(1.0, max(0.0, fraction))
        self.split_changed.emit(self.split)
        self.update()

    def left_side(self) -> str:
        return "B" if self.swapped else "A"

    def right_side(self) -> str:
        return "A" if self.swapped else "B"

    # -- geometry ----------------------------------------------------------------------------
    def divider_x(self) -> int:
        return round(self.width() * self.split)

    def boxes(self) -> tuple[QRect, QRect]:
        """(left, right) areas each picture is fitted into: the whole canvas for a wipe, halves side by side."""
        if self.mode == WIPE:
            return self.rect(), self.rect()
        half = self.width() // 2
        return QRect(0, 0, half, self.height()), QRect(half, 0, self.width() - half, self.height())

    def box_size(self) -> QSize:
        """The size decoded pictures should have (fitted inside it, aspect kept)."""
        return self.boxes()[0].size()

    @staticmethod
    def _fit(image: QImage, box: QRect) -> QRect:
        size = image.size()
        if size.width() > box.width() or size.height() > box.height() or (
            box.width() - size.width() > 8 and box.height() - size.height() > 8
        ):
            size = size.scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
        return QRect(box.x() + (box.width() - size.width()) // 2, box.y() + (box.height() - size.height()) // 2,
                     size.width(), size.height())

    # -- painting ----------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        left_box, right_box = self.boxes()
        if self.mode == WIPE:
            x = self.divider_x()
            clips = (QRect(0, 0, x, self.height()), QRect(x, 0, self.width() - x, self.height()))
        else:
            clips = (left_box, right_box)
        for side, box, clip in ((self.left_side(), left_box, clips[0]), (self.right_side(), right_box, clips[1])):
            painter.save()
            painter.setClipRect(clip)
            image = self.pictures[side]
            if image is not None:
                painter.drawImage(self._fit(image, box), image)
            else:
                self._message(painter, clip if self.mode == WIPE else box, self.messages[side] or "No picture")
            painter.restore()
        if self.mode == WIPE:
            self._divider(painter, self.divider_x())
        else:
            painter.setPen(QPen(QColor("#2a2d33"), 2))
            painter.drawLine(left_box.right() + 1, 0, left_box.right() + 1, self.height())
        self._label(painter, self.left_side(), self._label_area(self.left_side(), left_box), Qt.AlignmentFlag.AlignLeft)
        self._label(painter, self.right_side(), self._label_area(self.right_side(), right_box), Qt.AlignmentFlag.AlignRight)
        if self.note:
            painter.setPen(QColor("#c9ccd2"))
            painter.drawText(self.rect().adjusted(8, 8, -8, -8), Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter,
                             self.note)

    def _message(self, painter: QPainter, box: QRect, text: str) -> None:
        painter.setPen(QColor("#e06c75"))
        font = QFont(painter.font())
        font.setPointSize(11)
        painter.setFont(font)
        painter.drawText(box.adjusted(8, 8, -8, -8), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)

    def _divider(self, painter: QPainter, x: int) -> None:
        painter.setPen(QPen(QColor("#f5f6f7"), 2))
        painter.drawLine(x, 0, x, self.height())
        handle = QRect(x - 7, self.height() // 2 - 18, 14, 36)
        painter.setBrush(QColor("#f5f6f7"))
        painter.setPen(QPen(QColor("#0b0c0e"), 1))
        painter.drawRoundedRect(handle, 4, 4)

    def _label_area(self, side: str, box: QRect) -> QRect:
        """Labels sit on the picture itself (not in its letterbox bars) when there is one."""
        image = self.pictures[side]
        return self._fit(image, box) if image is not None else box

    def _label(self, painter: QPainter, side: str, box: QRect, align: Qt.AlignmentFlag) -> None:
        label = self.labels[side]
        if label is None:
            return
        lines = [f"{side} · {label.title}"] + ([label.details] if label.details else [])
        font = QFont(painter.font())
        font.setPointSize(9)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width = min(box.width() - 12, max(metrics.horizontalAdvance(line) for line in lines) + 20)
        height = metrics.height() * len(lines) + 8
        x = box.x() + 6 if align == Qt.AlignmentFlag.AlignLeft else box.right() - 6 - width
        panel = QRect(x, box.y() + 6, width, height)
        painter.fillRect(panel, QColor(0, 0, 0, 170))
        painter.setPen(QColor("#ff9e64") if label.missing else QColor("#f5f6f7"))
        for i, line in enumerate(lines):
            text = metrics.elidedText(line, Qt.TextElideMode.ElideRight, width - 10)
            painter.drawText(panel.x() + 6, panel.y() + 4 + metrics.ascent() + i * metrics.height(), text)

    # -- mouse: drag the divider -------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.mode == WIPE and event.button() == Qt.MouseButton.LeftButton:
            self._dragging = True
            self.set_split(event.position().x() / max(1, self.width()))
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self.set_split(event.position().x() / max(1, self.width()))
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self.set_split(event.position().x() / max(1, self.width()))
        self._dragging = False
        super().mouseReleaseEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.resized.emit(self.size())
