"""Putting generated sound on the timeline: linked A/V pairs, and audio tracks that know their role.

Track roles live in `track.metadata["sora_studio"]["role"]` and drive the mix (ducking, stems):

    "sync"      sound generated together with its picture (LTX-2): linked to the video clip
    "dialogue"  one track per speaker; `...["speaker"]` names who
    "ambience"  ambience / sound effects made from a shot's sound notes (ducked under dialogue)
    "music"     music beds (ducked under dialogue)

A track without a role is mixed as is (never ducked).
"""

from __future__ import annotations

from typing import Any, Literal

from sora_studio.core.project.media_items import MediaItem, clips_for_media, take_for_media
from sora_studio.core.timeline.edits import AddTrack, CompoundEdit, Edit, InsertClip, OverwriteClip
from sora_studio.core.timeline.model import NAMESPACE, Clip, Timeline, Track, new_id
from sora_studio.errors import BadInput

Role = Literal["sync", "dialogue", "ambience", "music"]
ROLES = ("sync", "dialogue", "ambience", "music")
ROLE_NAMES = {"sync": "Sync sound", "dialogue": "Dialogue", "ambience": "Ambience / SFX", "music": "Music"}


def track_role(track: Track) -> str | None:
    ours = track.metadata.get(NAMESPACE)
    return ours.get("role") if isinstance(ours, dict) else None


def track_speaker(track: Track) -> str | None:
    ours = track.metadata.get(NAMESPACE)
    return ours.get("speaker") if isinstance(ours, dict) else None


class AddRoleTrack(AddTrack):
    """AddTrack that also records the track's role (and speaker) in its metadata."""

    label = "Add Audio Track"

    def __init__(self, role: Role, name: str | None = None, speaker: str | None = None,
                 track_id: str | None = None) -> None:
        if role not in ROLES:
            raise BadInput(f"unknown audio role {role!r}; use one of {', '.join(ROLES)}")
        super().__init__("audio", name or ROLE_NAMES[role] + (f" - {speaker}" if speaker else ""), None, track_id)
        self.role, self.speaker = role, speaker

    def _apply(self, timeline: Timeline) -> None:
        super()._apply(timeline)
        meta: dict[str, Any] = {"role": self.role}
        if self.speaker:
            meta["speaker"] = self.speaker
        timeline.track(self.track_id).metadata[NAMESPACE] = meta


def find_role_track(timeline: Timeline, role: str, speaker: str | None = None) -> Track | None:
    """The first unlocked audio track with this role (and speaker, for dialogue)."""
    for track in timeline.audio_tracks():
        if track_role(track) == role and not track.locked and (speaker is None or track_speaker(track) == speaker):
            return track
    return None


def role_track(timeline: Timeline, role: Role, speaker: str | None = None) -> tuple[str, Edit | None]:
    """(track id, edit that creates it or None): the existing track for a role, or a new one to add first."""
    found = find_role_track(timeline, role, speaker)
    if found is not None:
        return found.id, None
    edit = AddRoleTrack(role, speaker=speaker)
    return edit.track_id, edit


def free_at(timeline: Timeline, track_id: str, start: int, end: int) -> bool:
    return not any(c.start < end and start < c.end for c in timeline.track(track_id).clips)


def place_generated_clip(target: Timeline | Any, item: MediaItem, video_track_id: str | None = None,
                         audio_track_id: str | None = None, at: int | None = None, name: str | None = None,
                         overwrite: bool = False, metadata: dict[str, Any] | None = None) -> Edit:
    """The edit that puts a generated clip on the timeline: its picture on a video track and, when the media
    has sound (LTX-2), that sound on a 'sync' audio track as a linked partner (same link_group, same start
    and source range), so moves, trims, splits and deletes keep them in sync.

    Missing tracks are created in the same undo step. `at` defaults to the end of the target tracks.
    `target` is a Timeline or a Project (its timeline is used).
    """
    timeline: Timeline = getattr(target, "timeline", target)
    pieces = dict(clips_for_media(item, timeline.rate, start=0))
    if "video" not in pieces:
        raise BadInput(f"{item.name or item.url} has no picture; use place_audio_clip for sound-only media")
    edits: list[Edit] = []
    if video_track_id is None:
        tracks = [t for t in timeline.video_tracks() if not t.locked]
        if tracks:
            video_track_id = tracks[0].id
        else:
            add = AddTrack("video")
            video_track_id, edits = add.track_id, [add]
    placements: list[tuple[str, Clip]] = [(video_track_id, pieces["video"])]
    if "audio" in pieces:
        if audio_track_id is None:
            audio_track_id, add_audio = role_track(timeline, "sync")
            edits += [add_audio] if add_audio else []
        placements.append((audio_track_id, pieces["audio"]))
    for _, clip in placements:
        clip.metadata[NAMESPACE].update({"generated": True, **(metadata or {})})
        if name:
            clip.name = name
    if at is None:
        ends = [timeline.track(t).end for t, _ in placements if any(tr.id == t for tr in timeline.tracks)]
        at = max(ends, default=0)
    for _, clip in placements:
        clip.start = at
    cls = OverwriteClip if overwrite else InsertClip
    edits.append(cls(placements[0][0], placements[0][1], at=at, also=placements[1:]))
    return edits[0] if len(edits) == 1 else CompoundEdit(edits, label="Place Generated Clip")


def audio_clip(item: MediaItem, timeline: Timeline, start: int, duration: int | None = None,
               link_group: str | None = None, metadata: dict[str, Any] | None = None, name: str | None = None) -> Clip:
    """A clip of an audio media item (length-limited to the media)."""
    take = take_for_media(item, timeline.rate)
    length = take.length or 1
    duration = length if duration is None else max(1, min(duration, length))
    return Clip(name=name or item.name or item.url.rsplit("/", 1)[-1], start=start, duration=duration,
                takes={"DEFAULT_MEDIA": take}, link_group=link_group,
                metadata={NAMESPACE: {"kind": "audio", "media_id": item.id, **(metadata or {})}})


def place_audio_clip(timeline: Timeline, item: MediaItem, role: Role, start: int, duration: int | None = None,
                     speaker: str | None = None, link_to: str | None = None,
                     metadata: dict[str, Any] | None = None) -> tuple[Edit, Clip]:
    """(edit, clip): put a sound-only item on the track for `role` (created when missing), overwriting what
    was there. `link_to`: a clip id whose link group the new clip joins (one is made when it has none)."""
    track_id, add = role_track(timeline, role, speaker)
    edits: list[Edit] = [add] if add else []
    group = None
    if link_to is not None:
        _, partner = timeline.find_clip(link_to)
        group = partner.link_group
        if group is None:
            group = new_id("link")
            edits.append(SetLinkGroup([link_to], group))
    clip = audio_clip(item, timeline, start, duration, group, metadata)
    edits.append(OverwriteClip(track_id, clip, at=start))
    edit = edits[0] if len(edits) == 1 else CompoundEdit(edits, label=f"Add {ROLE_NAMES[role]}")
    return edit, clip


class SetLinkGroup(Edit):
    """Put clips into one link group (or out of any with None)."""

    label = "Link Clips"

    def __init__(self, clip_ids: list[str], group: str | None) -> None:
        super().__init__()
        self.clip_ids, self.group = list(clip_ids), group
        self._old: dict[str, str | None] = {}

    def _apply(self, timeline: Timeline) -> None:
        clips = []
        for clip_id in self.clip_ids:
            try:
                clips.append(timeline.find_clip(clip_id)[1])
            except KeyError:
                raise BadInput(f"no clip with id {clip_id!r} to link") from None
        for clip in clips:
            self._old[clip.id] = clip.link_group
            clip.link_group = self.group

    def _revert(self, timeline: Timeline) -> None:
        for clip_id, group in self._old.items():
            timeline.find_clip(clip_id)[1].link_group = group
        self._old = {}
