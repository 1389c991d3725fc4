"""Editing commands shared by the menus, shortcuts and context menus; each builds one core Edit.

Rules (documented in docs/editor.md):
- Split (S): cuts the selected clips at the playhead, or every clip under the playhead when nothing
  selected is under it.
- Lift (Delete) leaves a gap; Ripple Delete (Shift+Delete) closes it.
- Linked partners (A/V of one source) follow, as in the core edits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sora_studio.core.timeline.edits import (
    AddMarker,
    AddTrack,
    Lift,
    RemoveTrack,
    RippleDelete,
    SetActiveTake,
    SetClipEnabled,
    SplitClips,
)

if TYPE_CHECKING:
    from sora_studio.ui.session import EditorSession


def split_at_playhead(session: EditorSession) -> bool:
    at = session.playhead
    under = [c.id for _, c in session.selected_clips() if c.start < at < c.end]
    return session.do(SplitClips(at, under or None))


def lift_selection(session: EditorSession) -> bool:
    if not session.selection:
        session.edit_failed.emit("select one or more clips to lift")
        return False
    ok = session.do(Lift(sorted(session.selection)))
    if ok:
        session.select(set())
    return ok


def ripple_delete_selection(session: EditorSession) -> bool:
    if not session.selection:
        session.edit_failed.emit("select one or more clips to ripple-delete")
        return False
    ok = session.do(RippleDelete(sorted(session.selection)))
    if ok:
        session.select(set())
    return ok


def toggle_enabled(session: EditorSession) -> bool:
    """Disable the selection if any selected clip is enabled, else enable all of it."""
    clips = [c for _, c in session.selected_clips()]
    if not clips:
        session.edit_failed.emit("select one or more clips to enable or disable")
        return False
    enable = not any(c.enabled for c in clips)
    return session.do(SetClipEnabled([c.id for c in clips], enable))


def set_active_take(session: EditorSession, clip_id: str, key: str) -> bool:
    return session.do(SetActiveTake(clip_id, key))


def add_marker(session: EditorSession, name: str = "") -> bool:
    frame = session.playhead
    if any(m.frame == frame for m in session.timeline.markers):
        session.edit_failed.emit("there is already a marker at the playhead")
        return False
    return session.do(AddMarker(frame, name or f"Marker {len(session.timeline.markers) + 1}"))


def select_all(session: EditorSession) -> None:
    session.select({c.id for _, c in session.timeline.clips()})


def add_track(session: EditorSession, kind: str) -> bool:
    """A new video track goes on top of the video tracks; a new audio track below the audio tracks."""
    return session.do(AddTrack(kind))  # type: ignore[arg-type]


def remove_track(session: EditorSession, track_id: str) -> bool:
    """Remove a track and its clips (one undo step brings both back)."""
    return session.do(RemoveTrack(track_id))
