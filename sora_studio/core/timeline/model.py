"""Evented timeline model: Timeline -> Tracks -> Clips, markers, takes. Qt-free.

Positions are explicit: a clip knows its `start` on the timeline (frames at the timeline rate), so gaps
are simply the space between clips; OTIO Gap objects are produced on export. Mutate only through Edit
objects (sora_studio.core.timeline.edits) so undo and every listener see the same stream.

Invariants (checked by `check_invariants`, asserted in the property tests):
- clips on a track are sorted by start and never overlap;
- every clip has duration >= 1 and source_in >= 0;
- for media with a known length, source_in + duration <= media length (in timeline frames);
- the active take key names one of the clip's takes.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from sora_studio.core.events import Signal

TrackKind = Literal["video", "audio"]
NAMESPACE = "sora_studio"  # metadata namespace in OTIO and in our own metadata dicts


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Take:
    """One media reference of a clip (OTIO: an entry in Clip.media_references()).

    `url` is bundle-relative (e.g. 'media/shot1.mp4') for media inside the project, absolute otherwise.
    `length` is the media's length in timeline frames, None for stills/generators (unbounded).
    `metadata` holds the generation recipe and lineage under the NAMESPACE key.
    """

    url: str
    length: int | None = None
    missing: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Clip:
    name: str
    start: int
    duration: int
    source_in: int = 0
    takes: dict[str, Take] = field(default_factory=dict)
    active_take: str = "DEFAULT_MEDIA"
    enabled: bool = True
    gain_db: float = 0.0
    link_group: str | None = None  # clips sharing a link group move/trim together (A/V of one source)
    metadata: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: new_id("clip"))

    @property
    def end(self) -> int:
        return self.start + self.duration

    @property
    def take(self) -> Take | None:
        return self.takes.get(self.active_take)

    @property
    def media_length(self) -> int | None:
        take = self.take
        return None if take is None else take.length

    def contains(self, frame: int) -> bool:
        return self.start <= frame < self.end


@dataclass
class Track:
    kind: TrackKind
    name: str
    clips: list[Clip] = field(default_factory=list)
    muted: bool = False
    solo: bool = False
    locked: bool = False
    enabled: bool = True
    gain_db: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: new_id("track"))

    @property
    def end(self) -> int:
        return max((c.end for c in self.clips), default=0)

    def clip_at(self, frame: int) -> Clip | None:
        for clip in self.clips:
            if clip.contains(frame):
                return clip
            if clip.start > frame:
                break
        return None

    def sort(self) -> None:
        self.clips.sort(key=lambda c: c.start)


@dataclass
class Marker:
    frame: int
    name: str = ""
    color: str = "GREEN"
    id: str = field(default_factory=lambda: new_id("marker"))


class Timeline:
    """A sequence: ordered tracks (video tracks listed bottom to top, then audio), markers, one rate.

    `changed` is emitted with the edit (or None for bulk loads) after every mutation.
    """

    def __init__(self, rate: Fraction = Fraction(24), name: str = "Timeline") -> None:
        self.rate = Fraction(rate)
        self.name = name
        self.tracks: list[Track] = []
        self.markers: list[Marker] = []
        self.metadata: dict[str, Any] = {}
        self.changed = Signal()

    # -- queries ---------------------------------------------------------------------------
    @property
    def duration(self) -> int:
        return max((t.end for t in self.tracks), default=0)

    def video_tracks(self) -> list[Track]:
        return [t for t in self.tracks if t.kind == "video"]

    def audio_tracks(self) -> list[Track]:
        return [t for t in self.tracks if t.kind == "audio"]

    def track(self, track_id: str) -> Track:
        for t in self.tracks:
            if t.id == track_id:
                return t
        raise KeyError(track_id)

    def find_clip(self, clip_id: str) -> tuple[Track, Clip]:
        for t in self.tracks:
            for c in t.clips:
                if c.id == clip_id:
                    return t, c
        raise KeyError(clip_id)

    def clips(self) -> list[tuple[Track, Clip]]:
        return [(t, c) for t in self.tracks for c in t.clips]

    # -- copying and comparing (used by tests and undo checks) -----------------------------
    def snapshot(self) -> dict[str, Any]:
        """Plain-data picture of the whole timeline; equal snapshots mean equal timelines."""
        return {
            "rate": [self.rate.numerator, self.rate.denominator],
            "name": self.name,
            "metadata": copy.deepcopy(self.metadata),
            "tracks": [_track_data(t) for t in self.tracks],
            "markers": sorted(((m.frame, m.name, m.color, m.id) for m in self.markers)),
        }

    def check_invariants(self) -> None:
        for track in self.tracks:
            previous_end = None
            for clip in track.clips:
                if clip.duration < 1:
                    raise AssertionError(f"{clip.id}: duration {clip.duration} < 1")
                if clip.source_in < 0:
                    raise AssertionError(f"{clip.id}: source_in {clip.source_in} < 0")
                if clip.start < 0:
                    raise AssertionError(f"{clip.id}: start {clip.start} < 0")
                length = clip.media_length
                if length is not None and clip.source_in + clip.duration > length:
                    raise AssertionError(f"{clip.id}: source range ends at {clip.source_in + clip.duration} > media {length}")
                if clip.takes and clip.active_take not in clip.takes:
                    raise AssertionError(f"{clip.id}: active take {clip.active_take!r} missing")
                if previous_end is not None and clip.start < previous_end:
                    raise AssertionError(f"{track.id}: {clip.id} overlaps the previous clip")
                previous_end = clip.end


def _track_data(track: Track) -> dict[str, Any]:
    return {
        "id": track.id,
        "kind": track.kind,
        "name": track.name,
        "flags": (track.muted, track.solo, track.locked, track.enabled, track.gain_db),
        "metadata": copy.deepcopy(track.metadata),
        "clips": [
            {
                "id": c.id,
                "name": c.name,
                "start": c.start,
                "duration": c.duration,
                "source_in": c.source_in,
                "takes": {k: (v.url, v.length, v.missing, copy.deepcopy(v.metadata)) for k, v in c.takes.items()},
                "active_take": c.active_take,
                "enabled": c.enabled,
                "gain_db": c.gain_db,
                "link_group": c.link_group,
                "metadata": copy.deepcopy(c.metadata),
            }
            for c in track.clips
        ],
    }
