"""Copy-on-write scratch space for clip edits: plan on copies, validate, then swap in one step.

This is how every clip edit keeps its promise that a refused edit leaves the timeline exactly as it was:
the edit mutates shallow copies of the clips of the tracks it touches; only when every touched track
passes validation are the new clip lists assigned to the tracks. Revert assigns the old lists back.

Clip copies are shallow (`dataclasses.replace`): takes dicts and Take objects are shared between the
old and new versions of a clip, so edits must never mutate those in place (AddTake builds a new dict).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from sora_studio.core.time import timecode
from sora_studio.core.timeline.model import Clip, Timeline, Track, new_id
from sora_studio.errors import BadInput


class Workspace:
    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.lists: dict[str, list[Clip]] = {}

    # -- lookups ---------------------------------------------------------------------------
    def track(self, track_id: str) -> Track:
        try:
            return self.timeline.track(track_id)
        except KeyError:
            raise BadInput(f"no track with id {track_id!r} in the timeline") from None

    def clips(self, track_id: str) -> list[Clip]:
        """The editable (copied) clip list of a track; refuses locked tracks."""
        if track_id not in self.lists:
            track = self.track(track_id)
            if track.locked:
                raise BadInput(f"track {track.name!r} is locked: unlock it to edit its clips")
            self.lists[track_id] = [dataclasses.replace(c) for c in track.clips]
        return self.lists[track_id]

    def find(self, clip_id: str) -> tuple[str, Clip]:
        """(track id, editable copy) of a clip anywhere in the timeline."""
        try:
            track, _ = self.timeline.find_clip(clip_id)
        except KeyError:
            raise BadInput(f"no clip with id {clip_id!r} in the timeline") from None
        for clip in self.clips(track.id):
            if clip.id == clip_id:
                return track.id, clip
        raise BadInput(f"clip {clip_id!r} was removed by this edit")  # pragma: no cover - defensive

    def remove(self, track_id: str, clip_id: str) -> Clip:
        clips = self.clips(track_id)
        for i, clip in enumerate(clips):
            if clip.id == clip_id:
                return clips.pop(i)
        raise BadInput(f"clip {clip_id!r} is not on track {track_id!r}")

    def add(self, track_id: str, clip: Clip) -> None:
        track = self.track(track_id)
        kind = clip_kind(clip)
        if kind is not None and kind != track.kind:
            raise BadInput(f"a {kind} clip cannot go on {track.kind} track {track.name!r}")
        self.clips(track_id).append(clip)

    def expand_links(self, clip_ids: Iterable[str]) -> list[str]:
        """The given clip ids plus every clip sharing a link group with one of them (order kept)."""
        ids = list(dict.fromkeys(clip_ids))
        groups = set()
        for clip_id in ids:
            try:
                _, clip = self.timeline.find_clip(clip_id)
            except KeyError:
                raise BadInput(f"no clip with id {clip_id!r} in the timeline") from None
            if clip.link_group:
                groups.add(clip.link_group)
        if groups:
            for _, clip in self.timeline.clips():
                if clip.link_group in groups and clip.id not in ids:
                    ids.append(clip.id)
        return ids

    # -- commit ----------------------------------------------------------------------------
    def validate(self) -> None:
        rate = self.timeline.rate
        for track_id, clips in self.lists.items():
            track = self.track(track_id)
            clips.sort(key=lambda c: c.start)
            previous: Clip | None = None
            for clip in clips:
                if clip.duration < 1:
                    raise BadInput(f"clip {clip.name!r} would be shorter than one frame")
                if clip.start < 0:
                    raise BadInput(f"clip {clip.name!r} would start before the beginning of the timeline")
                if clip.source_in < 0:
                    raise BadInput(f"clip {clip.name!r} would start before the beginning of its media")
                length = clip.media_length
                if length is not None and clip.source_in + clip.duration > length:
                    raise BadInput(
                        f"clip {clip.name!r} would run past the end of its media "
                        f"({clip.source_in + clip.duration} > {length} frames)"
                    )
                if clip.takes and clip.active_take not in clip.takes:
                    raise BadInput(f"clip {clip.name!r} has no take named {clip.active_take!r}")
                if previous is not None and clip.start < previous.end:
                    raise BadInput(
                        f"clip {clip.name!r} would overlap {previous.name!r} on track {track.name!r} "
                        f"at {timecode(clip.start, rate)}"
                    )
                previous = clip

    def commit(self) -> dict[str, list[Clip]]:
        """Validate, then swap the new clip lists in. Returns the old lists (for revert)."""
        self.validate()
        before: dict[str, list[Clip]] = {}
        for track_id, clips in self.lists.items():
            track = self.timeline.track(track_id)
            before[track_id] = track.clips
            track.clips = clips
        return before


def clip_kind(clip: Clip) -> str | None:
    """'video'/'audio' when a clip says what it is (metadata['sora_studio']['kind']), else None."""
    meta = clip.metadata.get("sora_studio") if isinstance(clip.metadata, dict) else None
    kind = meta.get("kind") if isinstance(meta, dict) else None
    return kind if kind in ("video", "audio") else None


def restore(timeline: Timeline, before: dict[str, list[Clip]]) -> None:
    for track_id, clips in before.items():
        timeline.track(track_id).clips = clips


def split_clip(clip: Clip, at: int, right_id: str) -> tuple[Clip, Clip]:
    """Two copies of `clip` cut at timeline frame `at` (strictly inside the clip)."""
    if not clip.start < at < clip.end:
        raise BadInput(f"cannot split clip {clip.name!r} at frame {at}: not inside it")
    offset = at - clip.start
    left = dataclasses.replace(clip, duration=offset)
    right = dataclasses.replace(
        clip, id=right_id, start=at, duration=clip.duration - offset, source_in=clip.source_in + offset
    )
    return left, right


def clear_range(ws: Workspace, track_id: str, start: int, end: int, new_ids: dict[str, str]) -> None:
    """Make [start, end) empty on a track: remove covered clips, trim partly covered ones, split spanning ones.

    `new_ids` maps a split clip's id to the id its right-hand piece gets (kept stable across redo).
    """
    clips = ws.clips(track_id)
    result: list[Clip] = []
    for clip in clips:
        if clip.end <= start or clip.start >= end:
            result.append(clip)
        elif clip.start >= start and clip.end <= end:
            continue  # fully covered
        elif clip.start < start and clip.end > end:
            right_id = new_ids.setdefault(clip.id, new_id("clip"))
            left, right = split_clip(clip, start, right_id)
            cut = end - start
            right = dataclasses.replace(
                right, start=end, duration=right.duration - cut, source_in=right.source_in + cut
            )
            result.extend([left, right])
        elif clip.start < start:
            result.append(dataclasses.replace(clip, duration=start - clip.start))
        else:
            cut = end - clip.start
            result.append(dataclasses.replace(clip, start=end, duration=clip.duration - cut, source_in=clip.source_in + cut))
    clips[:] = result

