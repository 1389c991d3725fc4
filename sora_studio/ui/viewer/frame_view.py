"""A plain QWidget that paints the current frame letterboxed (QOpenGLWidget can't run offscreen)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget


class FrameView(QWidget):
    """Paints frames 1:1 when they arrive at the widget's size (the playback thread renders them so),
    scaled otherwise (e.g. right after a resize)."""

    resized = Signal(QSize)

    def __init__(self) -> None:
        super().__init__()
        self.image: QImage | None = None
        self.index: int | None = None
        self.message = "No clip under the playhead"
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 135)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(640, 360)

    @Slot(int, QImage)
    def show_frame(self, index: int, image: QImage) -> None:
        self.index = index
        self.image = image
        self.update()

    def image_rect(self) -> QRect:
        """Where the frame is drawn inside the widget (aspect kept, centred)."""
        if self.image is None or self.image.isNull():
            return QRect()
        iw, ih = self.image.width(), self.image.height()
        if iw <= self.width() and ih <= self.height() and (self.width() - iw <= 8 or self.height() - ih <= 8):
            size = self.image.size()  # rendered for this size (give or take rounding): no rescale
        else:
            size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - size.width()) // 2
        y = (self.height() - size.height()) // 2
        return QRect(x, y, size.width(), size.height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.resized.emit(self.size())

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#0b0c0e"))
        if self.image is None or self.image.isNull():
            painter.setPen(QColor("#6b6e75"))
            font = QFont(painter.font())
            font.setPointSize(11)
            painter.setFont(font)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            return
        target = self.image_rect()
        if target.size() == self.image.size():
            painter.drawImage(target.topLeft(), self.image)  # a plain blit: no scaling on the GUI thread
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(target, self.image)
