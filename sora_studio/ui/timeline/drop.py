"""Dropping media on the timeline: from the media bin (media ids) or files from the desktop (imported
first). Items are placed one after another from the drop frame, overwriting what is there, video on the
video track under the mouse (or the first one) and sound on the audio track under the mouse (or the
first one); a video with sound becomes a linked pair. One drop is one undo step.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sora_studio.core.timeline.edits import CompoundEdit, OverwriteClip
from sora_studio.core.timeline.snapping import snap

if TYPE_CHECKING:
    from PySide6.QtCore import QMimeData

    from sora_studio.ui.session import EditorSession
    from sora_studio.ui.timeline.layout import TimelineLayout

MEDIA_MIME = "application/x-sora-studio-media"


def accepts(mime: QMimeData) -> bool:
    return mime.hasFormat(MEDIA_MIME) or mime.hasUrls()


def media_for_drop(session: EditorSession, mime: QMimeData, import_files: Callable[[list[Path]], list]) -> list:
    """The project MediaItems a drop refers to (importing dropped files first)."""
    if mime.hasFormat(MEDIA_MIME):
        ids = bytes(mime.data(MEDIA_MIME)).decode().split()
        project = session.project
        return [project.media_item(i) for i in ids] if project is not None else []
    paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
    return import_files(paths) if paths else []


def place_media(session: EditorSession, layout: TimelineLayout, items: list, x: float, y: float) -> bool:
    """Overwrite-place `items` at the drop point; False (and a status message) when refused."""
    from sora_studio.core.project.media_items import clips_for_media

    if not items:
        return False
    timeline = session.timeline
    frame = layout.frame_at(x)
    snapped = snap(frame, timeline, session.playhead, max(1, round(10 / layout.pixels_per_frame)))
    frame = frame if snapped is None else snapped
    row = layout.row_at(y)
    targets = {}
    for kind in ("video", "audio"):
        tracks = [t for t in timeline.tracks if t.kind == kind]
        if row is not None and row.track.kind == kind:
            targets[kind] = row.track.id
        elif tracks:
            targets[kind] = tracks[0].id
    edits = []
    at = frame
    for item in items:
        placed = [(targets[k], c) for k, c in clips_for_media(item, timeline.rate, start=at) if k in targets]
        if not placed:
            continue
        (track_id, clip), *rest = placed
        edits.append(OverwriteClip(track_id, clip, also=rest))
        at = clip.end
    if not edits:
        session.edit_failed.emit("no track of the right kind for this media: add a video or audio track")
        return False
    return session.do(edits[0] if len(edits) == 1 else CompoundEdit(edits, label="Place Media"))
