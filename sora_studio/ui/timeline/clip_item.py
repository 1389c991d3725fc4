"""One clip on the timeline: a rounded box with its name, thumbnails (video) or waveform (audio).

The item holds only the clip's id and draws whatever the model and the preview cache say; geometry is
set by the scene on every re-sync. Interaction (move/trim) is handled by the view, which knows zoom,
snapping and undo; the item only answers which part of it is under the mouse.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from sora_studio.core.cameo.purge_clips import WITHDRAWN_LABEL, is_withdrawn
from sora_studio.core.time import timecode
from sora_studio.ui import theme

if TYPE_CHECKING:
    from sora_studio.core.timeline.model import Clip, Track
    from sora_studio.ui.timeline.scene import TimelineScene

HANDLE_PX = 7  # width of the trim zone at each edge
LABEL_H = 16
WAVE_FLOOR_DB = -48.0


def display_level(peak: float) -> float:
    """Waveform height (0..1) on a dB scale from WAVE_FLOOR_DB to 0 dBFS, so dialogue is as readable as music."""
    if peak <= 0.0:
        return 0.0
    return min(1.0, max(0.0, (20.0 * math.log10(peak) - WAVE_FLOOR_DB) / -WAVE_FLOOR_DB))


class ClipItem(QGraphicsItem):
    def __init__(self, clip_id: str, scene: TimelineScene) -> None:
        super().__init__()
        self.clip_id = clip_id
        self._scene_ref = scene
        self._rect = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setAcceptHoverEvents(True)
        self.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)  # exposedRect for culling
        self._exposed = QRectF()

    # -- geometry --------------------------------------------------------------------------
    def set_rect(self, rect: QRectF) -> None:
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = QRectF(rect)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect.adjusted(-1, -1, 1, 1)

    def rect(self) -> QRectF:
        return QRectF(self._rect)

    def zone_at(self, scene_pos: QPointF) -> str:
        """'in' / 'out' near an edge (a trim), 'body' elsewhere (a move)."""
        x = self.mapFromScene(scene_pos).x()
        handle = min(HANDLE_PX, self._rect.width() / 3)
        if x - self._rect.left() <= handle:
            return "in"
        if self._rect.right() - x <= handle:
            return "out"
        return "body"

    def hoverMoveEvent(self, event) -> None:  # noqa: N802
        zone = self.zone_at(event.scenePos())
        self.setCursor(Qt.CursorShape.SizeHorCursor if zone != "body" else Qt.CursorShape.OpenHandCursor)

    # -- painting --------------------------------------------------------------------------
    def model(self) -> tuple[Track, Clip] | None:
        try:
            return self._scene_ref.session.timeline.find_clip(self.clip_id)
        except KeyError:
            return None

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        found = self.model()
        if found is None or self._rect.width() < 1:
            return
        track, clip = found
        rect = self._rect
        self._exposed = QRectF(option.exposedRect) if not option.exposedRect.isEmpty() else QRectF(rect)
        take = clip.take
        missing = bool(take is not None and (take.missing or self._scene_ref.is_missing(take.url)))
        base = theme.VIDEO_CLIP if track.kind == "video" else theme.AUDIO_CLIP
        if not clip.enabled:
            base = theme.DISABLED_CLIP
        path = QPainterPath()
        path.addRoundedRect(rect, 4, 4)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.fillPath(path, base.darker(160))
        painter.save()
        painter.setClipPath(path)
        body = rect.adjusted(0, LABEL_H, 0, 0)
        if take is not None and not missing and body.height() > 4:
            if track.kind == "video":
                self._paint_thumbnails(painter, body, clip)
            else:
                self._paint_waveform(painter, body, clip, base)
        if missing:
            painter.fillRect(body, QBrush(theme.MISSING, Qt.BrushStyle.BDiagPattern))
        painter.fillRect(QRectF(rect.left(), rect.top(), rect.width(), LABEL_H), base)
        if not clip.enabled:
            painter.fillRect(rect, QColor(30, 30, 34, 150))
        painter.restore()
        selected = clip.id in self._scene_ref.session.selection
        pen = QPen(theme.SELECTION if selected else base.lighter(150), 2 if selected else 1)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        self._paint_label(painter, rect, clip, missing)

    def _paint_label(self, painter: QPainter, rect: QRectF, clip: Clip, missing: bool) -> None:
        if rect.width() < 14:
            return
        font = QFont(painter.font())
        font.setPointSizeF(8.5)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(theme.TEXT if clip.enabled else theme.TEXT_DIM)
        label = clip.name
        if is_withdrawn(clip.take):  # its cameo's owner withdrew consent: the clip was deleted on purpose
            label = f"{WITHDRAWN_LABEL}  {label}"
            painter.setPen(QColor("#ffb3ab"))
        elif missing:
            label = f"MISSING  {label}"
            painter.setPen(QColor("#ffb3ab"))
        if len(clip.takes) > 1:
            label += f"  [{len(clip.takes)} takes]"
        if not clip.enabled:
            label += "  (disabled)"
        text_rect = rect.adjusted(5, 1, -4, 0)
        text_rect.setHeight(LABEL_H - 1)
        metrics = painter.fontMetrics()
        elided = metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(text_rect.width()))
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)

    def _paint_thumbnails(self, painter: QPainter, body: QRectF, clip: Clip) -> None:
        take = clip.take
        strip = self._scene_ref.previews.thumbnails(self._scene_ref.session.resolve(take.url))
        if strip is None or not strip.images:
            painter.setPen(theme.TEXT_DIM)
            painter.drawText(body.adjusted(6, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, "loading…")
            return
        thumb_h = body.height()
        thumb_w = max(8.0, thumb_h * strip.aspect)
        ppf = self._scene_ref.layout.pixels_per_frame
        rate = float(self._scene_ref.session.timeline.rate)
        visible = self._exposed  # draw only the part of the clip that needs repainting
        x = body.left()
        while x < body.right():
            if x + thumb_w >= visible.left() - thumb_w and x <= visible.right() + thumb_w:
                source_frame = clip.source_in + (x - body.left()) / ppf
                image = strip.nearest(source_frame / rate)
                target = QRectF(x, body.top(), thumb_w, thumb_h)
                painter.drawImage(target, image)
                painter.fillRect(QRectF(x + thumb_w - 1, body.top(), 1, thumb_h), QColor(0, 0, 0, 120))
            x += thumb_w

    def _paint_waveform(self, painter: QPainter, body: QRectF, clip: Clip, base: QColor) -> None:
        take = clip.take
        peaks = self._scene_ref.previews.peaks(self._scene_ref.session.resolve(take.url))
        if peaks is None:
            painter.setPen(theme.TEXT_DIM)
            painter.drawText(body.adjusted(6, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, "loading…")
            return
        rate = float(self._scene_ref.session.timeline.rate)
        ppf = self._scene_ref.layout.pixels_per_frame
        mid = body.center().y()
        half = body.height() / 2 - 2
        gain = 10 ** (clip.gain_db / 20)
        colour = QColor("#7fe0b0") if clip.enabled else theme.TEXT_DIM
        painter.setPen(QPen(colour, 1))
        visible = self._exposed
        left = int(max(body.left(), visible.left()))
        right = int(min(body.right(), visible.right() + 1))
        lines = []
        for px in range(left, right):
            t0 = (clip.source_in + (px - body.left()) / ppf) / rate
            t1 = (clip.source_in + (px + 1 - body.left()) / ppf) / rate
            h = max(0.5, display_level(peaks.level(t0, t1) * gain) * half)
            lines.append((px + 0.5, mid - h, mid + h))
        for x, y0, y1 in lines:
            painter.drawLine(QPointF(x, y0), QPointF(x, y1))
        painter.setPen(QPen(base.lighter(130), 1))
        painter.drawLine(QPointF(body.left(), mid), QPointF(body.right(), mid))
        if clip.gain_db:
            painter.setPen(theme.TEXT)
            painter.drawText(body.adjusted(0, 0, -6, -2), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                             f"{clip.gain_db:+.1f} dB")

    def tooltip_text(self) -> str:
        found = self.model()
        if found is None:
            return ""
        _, clip = found
        rate = self._scene_ref.session.timeline.rate
        return f"{clip.name}\n{timecode(clip.start, rate)} – {timecode(clip.end, rate)}"
