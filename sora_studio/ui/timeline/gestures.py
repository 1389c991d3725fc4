"""Mouse gestures on timeline clips: move (within and across tracks) and trim (plain or ripple).

Each mouse move turns into a small core Edit (MoveClips / TrimClip) pushed with the gesture's number, so
the model is always the truth (views just re-sync) and the whole drag merges into one undo step.
Snapping pulls the dragged edges onto clip edges, the playhead and markers within SNAP_PX pixels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sora_studio.core.timeline.edits import MoveClips, TrimClip
from sora_studio.core.timeline.queries import linked_clips
from sora_studio.core.timeline.snapping import snap_delta, snap_targets

if TYPE_CHECKING:
    from sora_studio.ui.session import EditorSession
    from sora_studio.ui.timeline.layout import TimelineLayout

SNAP_PX = 10


class MoveGesture:
    """Drag the selected clips; vertical motion moves them to another track of the same kind."""

    def __init__(self, session: EditorSession, layout: TimelineLayout, anchor_id: str, press_x: float,
                 snapping: bool = True) -> None:
        self.session, self.layout = session, layout
        self.snapping = snapping
        timeline = session.timeline
        track, _ = timeline.find_clip(anchor_id)
        self.clip_ids = sorted(session.selection | {anchor_id})
        moving = set(self.clip_ids)
        for clip_id in self.clip_ids:
            moving.update(c.id for _, c in linked_clips(timeline, clip_id))
        self.moving = moving
        self.kind = track.kind
        self.same_kind = [t.id for t in timeline.tracks if t.kind == track.kind]
        self.start_index = self.same_kind.index(track.id)
        self.press_x = press_x
        self.edges = [(c.start, c.end) for _, c in timeline.clips() if c.id in moving]
        self.min_start = min(s for s, _ in self.edges)
        self.applied = (0, 0)  # (frames, tracks) already applied by this gesture
        self.gesture = session.begin_gesture()
        self.snapped_to: int | None = None

    def move_to(self, x: float, y: float) -> None:
        ppf = self.layout.pixels_per_frame
        delta = round((x - self.press_x) / ppf)
        self.snapped_to = None
        if self.snapping:
            edges = [e + delta for pair in self.edges for e in pair]
            correction = snap_delta(edges, self.session.timeline, self.session.playhead,
                                    max(1, round(SNAP_PX / ppf)), self.moving)
            if correction is not None:
                delta += correction
                targets = set(snap_targets(self.session.timeline, self.session.playhead, self.moving))
                self.snapped_to = next((e + correction for e in edges if e + correction in targets), None)
        delta = max(delta, -self.min_start)
        row = self.layout.nearest_row_of_kind(y, self.kind)
        track_delta = 0
        if row is not None:
            track_delta = self.same_kind.index(row.track.id) - self.start_index
        self._apply(delta, track_delta)

    def _apply(self, delta: int, track_delta: int) -> None:
        done_frames, done_tracks = self.applied
        if (delta, track_delta) == self.applied:
            return
        edit = MoveClips(self.clip_ids, delta - done_frames, track_delta - done_tracks)
        if self.session.do(edit, gesture=self.gesture):
            self.applied = (delta, track_delta)
        elif track_delta != done_tracks and delta != done_frames:
            # blocked on the other track: still follow the mouse in time on the current one
            if self.session.do(MoveClips(self.clip_ids, delta - done_frames, 0), gesture=self.gesture):
                self.applied = (delta, done_tracks)


class TrimGesture:
    """Drag a clip's in or out edge; ripple=True (Alt held at press) shifts later clips on the track."""

    def __init__(self, session: EditorSession, layout: TimelineLayout, clip_id: str, side: str, press_x: float,
                 ripple: bool = False, snapping: bool = True) -> None:
        self.session, self.layout = session, layout
        self.clip_id, self.side, self.ripple, self.snapping = clip_id, side, ripple, snapping
        _, clip = session.timeline.find_clip(clip_id)
        self.edge = clip.start if side == "in" else clip.end
        self.press_x = press_x
        self.applied = 0
        self.gesture = session.begin_gesture()
        self.snapped_to: int | None = None
        self.moving = {c.id for _, c in linked_clips(session.timeline, clip_id)} | {clip_id}

    def move_to(self, x: float, y: float) -> None:
        ppf = self.layout.pixels_per_frame
        delta = round((x - self.press_x) / ppf)
        self.snapped_to = None
        if self.snapping:
            correction = snap_delta([self.edge + delta], self.session.timeline, self.session.playhead,
                                    max(1, round(SNAP_PX / ppf)), self.moving)
            if correction is not None:
                delta += correction
                self.snapped_to = self.edge + delta
        if delta == self.applied:
            return
        edit = TrimClip(self.clip_id, self.side, delta - self.applied, ripple=self.ripple)  # type: ignore[arg-type]
        if self.session.do(edit, gesture=self.gesture):
            self.applied += edit.applied_delta
