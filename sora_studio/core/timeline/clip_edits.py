"""Edits that place, move, cut and remove clips (editorial semantics documented in docs/timeline.md).

All of them refuse (BadInput) edits on locked tracks and anything that would break the model's
invariants; linked clips (same `link_group`) follow moves, trims, splits and deletes unless linked=False.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Sequence
from typing import Literal

from sora_studio.core.time import timecode
from sora_studio.core.timeline.edit_base import ClipEdit
from sora_studio.core.timeline.model import Clip, new_id
from sora_studio.core.timeline.workspace import Workspace, clear_range, split_clip
from sora_studio.errors import BadInput

Placement = tuple[str, Clip]  # (track id, clip)


class _PlaceClips(ClipEdit):
    """Shared by insert/overwrite/append: put a clip (plus linked partners in `also`) on tracks."""

    def __init__(self, track_id: str, clip: Clip, at: int | None = None, also: Sequence[Placement] = ()) -> None:
        super().__init__()
        self.placements: list[Placement] = [(track_id, clip), *also]
        self.at = clip.start if at is None else at
        ids = [c.id for _, c in self.placements]
        if len(set(ids)) != len(ids):
            raise BadInput("the clips placed by one edit need distinct ids")

    @property
    def clip_ids(self) -> list[str]:
        return [c.id for _, c in self.placements]

    def _positioned(self, at: int) -> list[Placement]:
        main_start = self.placements[0][1].start
        return [(t, dataclasses.replace(c, start=at + (c.start - main_start))) for t, c in self.placements]

    def _check_new(self, ws: Workspace) -> None:
        for _, clip in self.placements:
            try:
                ws.timeline.find_clip(clip.id)
            except KeyError:
                continue
            raise BadInput(f"clip {clip.name!r} (id {clip.id}) is already in the timeline")


class InsertClip(_PlaceClips):
    """Insert at a frame: a clip under that frame is split and everything from it on moves right."""

    label = "Insert Clip"

    def _plan(self, ws: Workspace) -> None:
        self._check_new(ws)
        for track_id, clip in self._positioned(self.at):
            clips = ws.clips(track_id)
            spanning = [c for c in clips if c.start < clip.start < c.end]
            for c in spanning:
                left, right = split_clip(c, clip.start, self._new_ids.setdefault(c.id, new_id("clip")))
                clips[clips.index(c)] = left
                clips.append(right)
            for i, c in enumerate(clips):
                if c.start >= clip.start:
                    clips[i] = dataclasses.replace(c, start=c.start + clip.duration)
            ws.add(track_id, clip)


class OverwriteClip(_PlaceClips):
    """Overwrite at a frame: whatever the clip covers is removed, trimmed or cut around it."""

    label = "Overwrite Clip"

    def _plan(self, ws: Workspace) -> None:
        self._check_new(ws)
        for track_id, clip in self._positioned(self.at):
            clear_range(ws, track_id, clip.start, clip.end, self._new_ids)
            ws.add(track_id, clip)


class AppendClip(_PlaceClips):
    """Append after the last clip of the target tracks (all placed clips start at the same frame)."""

    label = "Append Clip"

    def __init__(self, track_id: str, clip: Clip, also: Sequence[Placement] = ()) -> None:
        super().__init__(track_id, clip, None, also)

    def _plan(self, ws: Workspace) -> None:
        self._check_new(ws)
        at = max(ws.track(t).end for t, _ in self.placements)
        for track_id, clip in self._positioned(at):
            ws.add(track_id, clip)


class MoveClips(ClipEdit):
    """Move clips by `delta` frames and `track_delta` tracks of the same kind (linked partners follow in time).

    Refuse semantics: a move that would overlap a clip that is not moving raises BadInput and nothing
    moves (use OverwriteClip for destructive placement). Consecutive moves of the same clips merge.
    """

    label = "Move Clips"

    def __init__(self, clip_ids: Iterable[str], delta: int, track_delta: int = 0, linked: bool = True) -> None:
        super().__init__()
        self.clip_ids = list(dict.fromkeys(clip_ids))
        if not self.clip_ids:
            raise BadInput("no clips to move")
        self.delta, self.track_delta, self.linked = int(delta), int(track_delta), linked

    @property
    def merge_key(self) -> Hashable:
        return ("move", frozenset(self.clip_ids), self.linked)

    def _plan(self, ws: Workspace) -> None:
        ids = ws.expand_links(self.clip_ids) if self.linked else self.clip_ids
        moved: list[tuple[str, Clip]] = []
        for clip_id in ids:
            track_id, clip = ws.find(clip_id)
            ws.remove(track_id, clip_id)
            target = track_id
            if self.track_delta and clip_id in self.clip_ids:
                target = _shift_track(ws, track_id, self.track_delta)
            moved.append((target, dataclasses.replace(clip, start=clip.start + self.delta)))
        for target, clip in moved:
            ws.add(target, clip)


def _shift_track(ws: Workspace, track_id: str, offset: int) -> str:
    kind = ws.track(track_id).kind
    same_kind = [t.id for t in ws.timeline.tracks if t.kind == kind]
    index = same_kind.index(track_id) + offset
    if not 0 <= index < len(same_kind):
        raise BadInput(f"there is no {kind} track {abs(offset)} {'above' if offset > 0 else 'below'} to move to")
    return same_kind[index]


class TrimClip(ClipEdit):
    """Move a clip's in or out point by `delta` frames.

    Plain trim keeps other clips where they are and refuses to overlap a neighbour. Ripple trim keeps the
    clip's start and shifts every later clip on its track by the change in length. The delta is clamped
    to the media (source in >= 0, source out <= media length) and to a one-frame minimum duration.
    Linked partners get the same (jointly clamped) trim.
    """

    label = "Trim Clip"

    def __init__(self, clip_id: str, side: Literal["in", "out"], delta: int, ripple: bool = False, linked: bool = True) -> None:
        super().__init__()
        if side not in ("in", "out"):
            raise BadInput(f"trim side must be 'in' or 'out', not {side!r}")
        self.clip_id, self.side, self.delta, self.ripple, self.linked = clip_id, side, int(delta), ripple, linked
        self.applied_delta = 0  # after clamping, set by apply

    @property
    def merge_key(self) -> Hashable:
        return ("trim", self.clip_id, self.side, self.ripple, self.linked)

    def _plan(self, ws: Workspace) -> None:
        ids = ws.expand_links([self.clip_id]) if self.linked else [self.clip_id]
        located = [ws.find(i) for i in ids]
        if self.ripple and len({t for t, _ in located}) != len(located):
            raise BadInput("cannot ripple-trim two linked clips on the same track")
        lo, hi = -(10**12), 10**12
        for _, clip in located:
            c_lo, c_hi = self._limits(clip)
            lo, hi = max(lo, c_lo), min(hi, c_hi)
        if lo > hi:
            raise BadInput("linked clips leave no room to trim together: unlink them or trim one at a time")
        delta = min(max(self.delta, lo), hi)
        self.applied_delta = delta
        for track_id, clip in located:
            clips = ws.clips(track_id)
            old_end = clip.end
            if self.side == "in":
                start = clip.start if self.ripple else clip.start + delta
                new = dataclasses.replace(clip, start=start, source_in=clip.source_in + delta, duration=clip.duration - delta)
            else:
                new = dataclasses.replace(clip, duration=clip.duration + delta)
            shift = new.end - old_end
            for i, c in enumerate(clips):
                if c.id == clip.id:
                    clips[i] = new
                elif self.ripple and c.start >= old_end:
                    clips[i] = dataclasses.replace(c, start=c.start + shift)

    def _limits(self, clip: Clip) -> tuple[int, int]:
        length = clip.media_length
        if self.side == "in":
            lo = -clip.source_in if self.ripple else -min(clip.source_in, clip.start)
            return lo, clip.duration - 1
        hi = 10**12 if length is None else length - clip.source_in - clip.duration
        return 1 - clip.duration, hi


class SplitClips(ClipEdit):
    """Cut at a frame: the given clips (and linked partners), or every clip under it on unlocked tracks.

    `new_ids` maps each cut clip's id to the id of its right-hand piece (stable across undo/redo).
    """

    label = "Split"

    def __init__(self, at: int, clip_ids: Iterable[str] | None = None, linked: bool = True) -> None:
        super().__init__()
        self.at = int(at)
        self.clip_ids = None if clip_ids is None else list(clip_ids)
        self.linked = linked

    def _plan(self, ws: Workspace) -> None:
        if self.clip_ids is None:
            targets = [
                c.id for t in ws.timeline.tracks if not t.locked for c in t.clips if c.start < self.at < c.end
            ]
        else:
            for clip_id in self.clip_ids:
                _, clip = ws.find(clip_id)
                if not clip.start < self.at < clip.end:
                    raise BadInput(f"the playhead is not inside clip {clip.name!r}")
            targets = ws.expand_links(self.clip_ids) if self.linked else self.clip_ids
        split_any = False
        for clip_id in targets:
            track_id, clip = ws.find(clip_id)
            if not clip.start < self.at < clip.end:
                continue  # a linked partner that ends before the cut
            clips = ws.clips(track_id)
            left, right = split_clip(clip, self.at, self._new_ids.setdefault(clip.id, new_id("clip")))
            clips[clips.index(clip)] = left
            clips.append(right)
            split_any = True
        if not split_any:
            raise BadInput(f"no clip to split at {timecode(self.at, ws.timeline.rate)}")


class Lift(ClipEdit):
    """Remove clips and leave a gap where they were."""

    label = "Lift"

    def __init__(self, clip_ids: Iterable[str], linked: bool = True) -> None:
        super().__init__()
        self.clip_ids, self.linked = list(dict.fromkeys(clip_ids)), linked
        if not self.clip_ids:
            raise BadInput("no clips to remove")

    def _plan(self, ws: Workspace) -> None:
        for clip_id in ws.expand_links(self.clip_ids) if self.linked else self.clip_ids:
            track_id, _ = ws.find(clip_id)
            ws.remove(track_id, clip_id)


class RippleDelete(Lift):
    """Remove clips and close the gap: later clips on the same track move left by what was removed."""

    label = "Ripple Delete"

    def _plan(self, ws: Workspace) -> None:
        removed: dict[str, list[Clip]] = {}
        for clip_id in ws.expand_links(self.clip_ids) if self.linked else self.clip_ids:
            track_id, _ = ws.find(clip_id)
            removed.setdefault(track_id, []).append(ws.remove(track_id, clip_id))
        for track_id, gone in removed.items():
            clips = ws.clips(track_id)
            for i, c in enumerate(clips):
                shift = sum(g.duration for g in gone if g.end <= c.start)
                if shift:
                    clips[i] = dataclasses.replace(c, start=c.start - shift)


class CloseGap(ClipEdit):
    """Ripple-delete the empty stretch under `at` on one track: later clips on it move left to close it."""

    label = "Close Gap"

    def __init__(self, track_id: str, at: int) -> None:
        super().__init__()
        self.track_id, self.at = track_id, int(at)

    def _plan(self, ws: Workspace) -> None:
        clips = ws.clips(self.track_id)
        gap_start = max((c.end for c in clips if c.end <= self.at), default=0)
        following = [c for c in clips if c.start > self.at]
        if any(c.contains(self.at) for c in clips) or not following:
            raise BadInput(f"there is no gap at {timecode(self.at, ws.timeline.rate)} on this track")
        width = min(c.start for c in following) - gap_start
        for i, c in enumerate(clips):
            if c.start > self.at:
                clips[i] = dataclasses.replace(c, start=c.start - width)


class _SetClipField(ClipEdit):
    field_name = ""

    def __init__(self, clip_ids: Iterable[str], value: object) -> None:
        super().__init__()
        self.clip_ids, self.value = list(dict.fromkeys(clip_ids)), value

    def _plan(self, ws: Workspace) -> None:
        for clip_id in self.clip_ids:
            track_id, clip = ws.find(clip_id)
            clips = ws.clips(track_id)
            clips[clips.index(clip)] = dataclasses.replace(clip, **{self.field_name: self.value})


class SetClipEnabled(_SetClipField):
    """Enable or disable clips (a disabled clip stays on the track but is not rendered)."""

    label = "Enable/Disable Clip"
    field_name = "enabled"

    def __init__(self, clip_ids: Iterable[str], enabled: bool) -> None:
        super().__init__(clip_ids, bool(enabled))


class SetClipGain(_SetClipField):
    label = "Clip Gain"
    field_name = "gain_db"

    def __init__(self, clip_ids: Iterable[str], gain_db: float) -> None:
        super().__init__(clip_ids, float(gain_db))

    @property
    def merge_key(self) -> Hashable:
        return ("gain", tuple(self.clip_ids))


class RenameClip(_SetClipField):
    label = "Rename Clip"
    field_name = "name"

    def __init__(self, clip_id: str, name: str) -> None:
        super().__init__([clip_id], str(name))

