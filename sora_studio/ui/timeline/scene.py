"""The timeline's QGraphicsScene: one ClipItem per clip, re-synced from the model on every change.

Items are kept by clip id and only their geometry is updated, so an item being dragged survives the
re-sync that each step of its own drag causes. Track rows, markers, in/out range and the playhead are
painted as the background/foreground by the view (they span the whole width and cost nothing to move).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Slot
from PySide6.QtWidgets import QGraphicsScene

from sora_studio.ui.timeline.clip_item import ClipItem
from sora_studio.ui.timeline.layout import CLIP_MARGIN, TimelineLayout

if TYPE_CHECKING:
    from sora_studio.ui.previews import PreviewCache
    from sora_studio.ui.session import EditorSession

TAIL_FRAMES_SECONDS = 30  # empty room after the last clip so clips can be dragged past the end


class TimelineScene(QGraphicsScene):
    def __init__(self, session: EditorSession, previews: PreviewCache, layout: TimelineLayout) -> None:
        super().__init__()
        self.session = session
        self.previews = previews
        self.layout = layout
        self.items_by_id: dict[str, ClipItem] = {}
        self._exists: dict[str, bool] = {}
        self.min_width = 800.0
        session.timeline_changed.connect(self.sync)
        session.project_changed.connect(self._forget_files)
        session.selection_changed.connect(self._on_selection)
        previews.ready.connect(self._on_preview_ready)
        self.sync()

    @Slot()
    def sync(self) -> None:
        """Bring the items in line with the model (create, move, resize, delete)."""
        timeline = self.session.timeline
        self.layout.update_rows(timeline)
        seen = set()
        for row in self.layout.rows:
            for clip in row.track.clips:
                seen.add(clip.id)
                item = self.items_by_id.get(clip.id)
                if item is None:
                    item = ClipItem(clip.id, self)
                    self.items_by_id[clip.id] = item
                    self.addItem(item)
                x0, x1 = self.layout.x_of(clip.start), self.layout.x_of(clip.end)
                item.set_rect(QRectF(x0, row.top + CLIP_MARGIN, max(1.0, x1 - x0), row.height - 2 * CLIP_MARGIN))
                item.setZValue(1)
        for clip_id in list(self.items_by_id):
            if clip_id not in seen:
                item = self.items_by_id.pop(clip_id)
                self.removeItem(item)
        self._update_rect()
        self.update()

    def _update_rect(self) -> None:
        rate = float(self.session.timeline.rate)
        frames = self.session.timeline.duration + TAIL_FRAMES_SECONDS * rate
        width = max(self.min_width, self.layout.x_of(frames))
        self.setSceneRect(QRectF(0, 0, width, max(1, self.layout.total_height)))

    def set_min_width(self, width: float) -> None:
        self.min_width = width
        self._update_rect()

    def item_for(self, clip_id: str) -> ClipItem | None:
        return self.items_by_id.get(clip_id)

    def is_missing(self, url: str) -> bool:
        """True when a take's file is not on disk (cached until the project changes or media is relinked)."""
        if url not in self._exists:
            try:
                self._exists[url] = os.path.exists(self.session.resolve(url))
            except Exception:  # noqa: BLE001 - an unresolvable url is as good as missing
                self._exists[url] = False
        return not self._exists[url]

    @Slot()
    def _forget_files(self) -> None:
        self._exists.clear()

    @Slot()
    def forget_files(self) -> None:
        self._exists.clear()
        self.update()

    @Slot()
    def _on_selection(self) -> None:
        for item in self.items_by_id.values():
            item.update()

    @Slot(str)
    def _on_preview_ready(self, path: str) -> None:
        for item in self.items_by_id.values():
            found = item.model()
            if found and found[1].take is not None and found[1].take.url and \
                    str(self.session.resolve(found[1].take.url)) == path:  # no url: a media-less (missing) take
                item.update()
