"""Edits of tracks, markers and takes: the non-positional changes of a timeline."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from typing import Any

from sora_studio.core.timeline.edit_base import ClipEdit, Edit
from sora_studio.core.timeline.model import NAMESPACE, Clip, Marker, Take, Timeline, Track, TrackKind, new_id
from sora_studio.core.timeline.workspace import Workspace
from sora_studio.errors import BadInput

TRACK_FLAGS = ("muted", "solo", "locked", "enabled")


def _track(timeline: Timeline, track_id: str) -> Track:
    try:
        return timeline.track(track_id)
    except KeyError:
        raise BadInput(f"no track with id {track_id!r} in the timeline") from None


# -- tracks ---------------------------------------------------------------------------------
class AddTrack(Edit):
    """Add an empty track. Default position: video tracks go on top of the video tracks, audio at the end.

    `index` counts among tracks of the same kind (0 = bottom video track / first audio track).
    """

    label = "Add Track"

    def __init__(self, kind: TrackKind, name: str | None = None, index: int | None = None, track_id: str | None = None) -> None:
        super().__init__()
        if kind not in ("video", "audio"):
            raise BadInput(f"track kind must be 'video' or 'audio', not {kind!r}")
        self.kind, self.name, self.index = kind, name, index
        self.track_id = track_id or new_id("track")

    def _apply(self, timeline: Timeline) -> None:
        if any(t.id == self.track_id for t in timeline.tracks):
            raise BadInput(f"a track with id {self.track_id!r} already exists")
        same = [i for i, t in enumerate(timeline.tracks) if t.kind == self.kind]
        name = self.name or f"{'V' if self.kind == 'video' else 'A'}{len(same) + 1}"
        position = _kind_position(timeline, self.kind, len(same) if self.index is None else self.index)
        timeline.tracks.insert(position, Track(kind=self.kind, name=name, id=self.track_id))

    def _revert(self, timeline: Timeline) -> None:
        timeline.tracks.remove(timeline.track(self.track_id))


def _kind_position(timeline: Timeline, kind: str, index: int) -> int:
    """Absolute list position for the index-th track of a kind (videos first, then audio)."""
    same = [i for i, t in enumerate(timeline.tracks) if t.kind == kind]
    if not 0 <= index <= len(same):
        raise BadInput(f"track position {index} is out of range (0..{len(same)})")
    if index < len(same):
        return same[index]
    if same:
        return same[-1] + 1
    return len(timeline.video_tracks()) if kind == "audio" else 0


class RemoveTrack(Edit):
    """Remove a track with its clips (refused when locked)."""

    label = "Remove Track"

    def __init__(self, track_id: str) -> None:
        super().__init__()
        self.track_id = track_id
        self._removed: tuple[int, Track] | None = None

    def _apply(self, timeline: Timeline) -> None:
        track = _track(timeline, self.track_id)
        if track.locked:
            raise BadInput(f"track {track.name!r} is locked: unlock it to remove it")
        index = timeline.tracks.index(track)
        timeline.tracks.pop(index)
        self._removed = (index, track)

    def _revert(self, timeline: Timeline) -> None:
        assert self._removed is not None
        index, track = self._removed
        timeline.tracks.insert(index, track)
        self._removed = None


class MoveTrack(Edit):
    """Reorder a track among the tracks of its kind (`index` 0 = bottom video / first audio track)."""

    label = "Move Track"

    def __init__(self, track_id: str, index: int) -> None:
        super().__init__()
        self.track_id, self.index = track_id, int(index)
        self._old_position: int | None = None

    def _apply(self, timeline: Timeline) -> None:
        track = _track(timeline, self.track_id)
        same = [t for t in timeline.tracks if t.kind == track.kind]
        if not 0 <= self.index < len(same):
            raise BadInput(f"track position {self.index} is out of range (0..{len(same) - 1})")
        old = timeline.tracks.index(track)
        timeline.tracks.pop(old)
        timeline.tracks.insert(_kind_position(timeline, track.kind, self.index), track)
        self._old_position = old

    def _revert(self, timeline: Timeline) -> None:
        track = timeline.track(self.track_id)
        timeline.tracks.remove(track)
        assert self._old_position is not None
        timeline.tracks.insert(self._old_position, track)


class SetTrackFlag(Edit):
    """Set muted/solo/locked/enabled on a track (allowed on locked tracks so they can be unlocked)."""

    label = "Track Flag"

    def __init__(self, track_id: str, flag: str, value: bool) -> None:
        super().__init__()
        if flag not in TRACK_FLAGS:
            raise BadInput(f"unknown track flag {flag!r} (use one of {', '.join(TRACK_FLAGS)})")
        self.track_id, self.flag, self.value = track_id, flag, bool(value)
        self._old: bool | None = None

    def _apply(self, timeline: Timeline) -> None:
        track = _track(timeline, self.track_id)
        self._old = getattr(track, self.flag)
        setattr(track, self.flag, self.value)

    def _revert(self, timeline: Timeline) -> None:
        setattr(timeline.track(self.track_id), self.flag, self._old)


class SetTrackProperty(Edit):
    """Rename a track or set its gain (`name` / `gain_db`); refused on locked tracks."""

    label = "Track Property"
    FIELDS = ("name", "gain_db")

    def __init__(self, track_id: str, field: str, value: Any) -> None:
        super().__init__()
        if field not in self.FIELDS:
            raise BadInput(f"unknown track property {field!r}")
        self.track_id, self.field, self.value = track_id, field, value
        self._old: Any = None

    @property
    def merge_key(self) -> Hashable:
        return ("track-prop", self.track_id, self.field)

    def _apply(self, timeline: Timeline) -> None:
        track = _track(timeline, self.track_id)
        if track.locked:
            raise BadInput(f"track {track.name!r} is locked")
        self._old = getattr(track, self.field)
        setattr(track, self.field, str(self.value) if self.field == "name" else float(self.value))

    def _revert(self, timeline: Timeline) -> None:
        setattr(timeline.track(self.track_id), self.field, self._old)


# -- markers --------------------------------------------------------------------------------
class AddMarker(Edit):
    label = "Add Marker"

    def __init__(self, frame: int, name: str = "", color: str = "GREEN", marker_id: str | None = None) -> None:
        super().__init__()
        if frame < 0:
            raise BadInput("a marker cannot sit before the start of the timeline")
        self.marker = Marker(frame=int(frame), name=name, color=color, id=marker_id or new_id("marker"))

    def _apply(self, timeline: Timeline) -> None:
        if any(m.id == self.marker.id for m in timeline.markers):
            raise BadInput(f"marker {self.marker.id!r} already exists")
        timeline.markers.append(dataclasses.replace(self.marker))
        timeline.markers.sort(key=lambda m: m.frame)

    def _revert(self, timeline: Timeline) -> None:
        timeline.markers[:] = [m for m in timeline.markers if m.id != self.marker.id]


class RemoveMarker(Edit):
    label = "Remove Marker"

    def __init__(self, marker_id: str) -> None:
        super().__init__()
        self.marker_id = marker_id
        self._old: list[Marker] = []

    def _apply(self, timeline: Timeline) -> None:
        if not any(m.id == self.marker_id for m in timeline.markers):
            raise BadInput(f"no marker with id {self.marker_id!r}")
        self._old = list(timeline.markers)
        timeline.markers[:] = [m for m in timeline.markers if m.id != self.marker_id]

    def _revert(self, timeline: Timeline) -> None:
        timeline.markers[:] = self._old


class MoveMarker(Edit):
    label = "Move Marker"

    def __init__(self, marker_id: str, frame: int) -> None:
        super().__init__()
        if frame < 0:
            raise BadInput("a marker cannot sit before the start of the timeline")
        self.marker_id, self.frame = marker_id, int(frame)
        self._old: list[Marker] = []

    @property
    def merge_key(self) -> Hashable:
        return ("marker", self.marker_id)

    def _apply(self, timeline: Timeline) -> None:
        if not any(m.id == self.marker_id for m in timeline.markers):
            raise BadInput(f"no marker with id {self.marker_id!r}")
        self._old = list(timeline.markers)
        new = [dataclasses.replace(m, frame=self.frame) if m.id == self.marker_id else m for m in timeline.markers]
        timeline.markers[:] = sorted(new, key=lambda m: m.frame)

    def _revert(self, timeline: Timeline) -> None:
        timeline.markers[:] = self._old


# -- takes ----------------------------------------------------------------------------------
class AddTake(ClipEdit):
    """Add a media reference to a clip under `key` (e.g. an AI take); `activate` makes it the active one.

    A clip without takes gets the new take as its active one. The active take must cover the clip's
    source range, so activating a shorter take is refused (trim the clip first). When the new media has
    sound (its take says `has_audio`), linked audio partners (the sync sound of a generated clip) get the same
    take in the same undo step, so switching takes later keeps picture and sound one generation (linked=False:
    not). A partner that already has a take of that name keeps its own.
    """

    label = "Add Take"

    def __init__(self, clip_id: str, key: str, take: Take, activate: bool = False, linked: bool = True) -> None:
        super().__init__()
        if not key:
            raise BadInput("a take needs a non-empty key")
        self.clip_id, self.key, self.take, self.activate, self.linked = clip_id, key, take, activate, linked

    def _plan(self, ws: Workspace) -> None:
        track_id, clip = ws.find(self.clip_id)
        if self.key in clip.takes:
            raise BadInput(f"clip {clip.name!r} already has a take named {self.key!r}")
        for partner_track, partner in self._sound_partners(ws, clip):
            self._add(ws, partner_track, partner)
        self._add(ws, track_id, clip)

    def _add(self, ws: Workspace, track_id: str, clip: Clip) -> None:
        active = self.key if (self.activate or not clip.takes) else clip.active_take
        _replace_clip(ws, track_id, clip, takes={**clip.takes, self.key: self.take}, active_take=active)

    def _sound_partners(self, ws: Workspace, clip: Clip) -> list[tuple[str, Clip]]:
        if not (self.linked and clip.link_group and (self.take.metadata.get(NAMESPACE) or {}).get("has_audio")):
            return []
        partners = [ws.find(partner_id) for partner_id in ws.expand_links([clip.id])[1:]]
        return [(t, p) for t, p in partners
                if ws.track(t).kind == "audio" and self.key not in p.takes]


def _take_clip(ws: Workspace, clip_id: str, key: str) -> tuple[str, Clip]:
    """(track id, editable clip) of a clip that has a take named `key` (BadInput naming its takes if not)."""
    track_id, clip = ws.find(clip_id)
    if key not in clip.takes:
        raise BadInput(f"clip {clip.name!r} has no take named {key!r} (takes: {', '.join(clip.takes) or 'none'})")
    return track_id, clip


def _replace_clip(ws: Workspace, track_id: str, clip: Clip, **changes: Any) -> None:
    clips = ws.clips(track_id)
    clips[clips.index(clip)] = dataclasses.replace(clip, **changes)


def _same_media(a: Take, b: Take) -> bool:
    """Whether two takes come from one generation: the same file, media item or generation job."""
    ours_a, ours_b = a.metadata.get(NAMESPACE) or {}, b.metadata.get(NAMESPACE) or {}
    return a.url == b.url or any(ours_a.get(k) is not None and ours_a.get(k) == ours_b.get(k)
                                 for k in ("media_id", "job_id"))


def matching_take(partner: Clip, key: str, take: Take) -> str | None:
    """The key of `partner`'s take that matches take `key` of a linked clip: one made from the same generation
    (same file, media item or job) first, else one with the same key; None when it has no such take."""
    same = [k for k, t in partner.takes.items() if _same_media(t, take)]
    if same:
        return key if key in same else same[0]
    return key if key in partner.takes else None


def _linked_takes(ws: Workspace, clip: Clip, key: str, linked: bool) -> list[tuple[str, Clip, str]]:
    """(track id, clip, take key) of the linked partners that have a take matching `key` of `clip`."""
    if not linked or not clip.link_group:
        return []
    found = []
    for partner_id in ws.expand_links([clip.id])[1:]:
        track_id, partner = ws.find(partner_id)
        match = matching_take(partner, key, clip.takes[key])
        if match is not None:
            found.append((track_id, partner, match))
    return found


class SetActiveTake(ClipEdit):
    """Make take `key` the active one; linked partners (e.g. the sync sound of a generated clip) switch to
    their matching take in the same undo step, so picture and sound stay one generation (linked=False: not)."""

    label = "Switch Take"

    def __init__(self, clip_id: str, key: str, linked: bool = True) -> None:
        super().__init__()
        self.clip_id, self.key, self.linked = clip_id, key, linked

    def _plan(self, ws: Workspace) -> None:
        track_id, clip = _take_clip(ws, self.clip_id, self.key)
        for partner_track, partner, match in _linked_takes(ws, clip, self.key, self.linked):
            _replace_clip(ws, partner_track, partner, active_take=match)
        _replace_clip(ws, track_id, clip, active_take=self.key)


class RemoveTake(ClipEdit):
    """Remove a take that is not the active one, and the matching take of linked partners (linked=False: not).
    Refused when a partner uses its matching take: switch takes first."""

    label = "Remove Take"

    def __init__(self, clip_id: str, key: str, linked: bool = True) -> None:
        super().__init__()
        self.clip_id, self.key, self.linked = clip_id, key, linked

    def _plan(self, ws: Workspace) -> None:
        track_id, clip = _take_clip(ws, self.clip_id, self.key)
        targets = [(track_id, clip, self.key), *_linked_takes(ws, clip, self.key, self.linked)]
        for target_track, target, key in targets:
            if key == target.active_take:
                which = "" if target is clip else f" of linked clip {target.name!r}"
                raise BadInput(f"cannot remove the active take{which}: switch to another take first")
            _replace_clip(ws, target_track, target, takes={k: v for k, v in target.takes.items() if k != key})
