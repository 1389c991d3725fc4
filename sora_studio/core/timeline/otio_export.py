"""Our Timeline -> an OTIO timeline, losslessly (what otio_import reads back to an equal snapshot).

Mapping: explicit clip starts become Gaps; each Take becomes one of the clip's media references
(`set_media_references`, active key = active take); everything OTIO has no field for lives under
metadata["sora_studio"]. Foreign metadata kept from an import (clip.metadata["otio_metadata"]) is put
back at the top level so other tools find their own keys again.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import opentimelineio as otio

from sora_studio.core.timeline.model import NAMESPACE, Clip, Take, Timeline, Track

FOREIGN_KEY = "otio_metadata"  # clip/track metadata key holding other tools' top-level OTIO metadata
ORIGIN_KEY = "source_origin"  # take.metadata[NAMESPACE][ORIGIN_KEY]: media start timecode in frames

UrlMapper = Callable[[str], str]


def rt(frames: int, rate: float) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, float(rate))


def tr(start: int, duration: int, rate: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(rt(start, rate), rt(duration, rate))


def to_otio(timeline: Timeline, map_url: UrlMapper | None = None, otio_rate: float | None = None) -> otio.schema.Timeline:
    """Build an OTIO timeline. `map_url` rewrites take URLs (e.g. to absolute file:// URLs for export);
    `otio_rate` overrides the float rate written into every time (some adapters want 29.97, not 30000/1001).
    """
    exact = timeline.rate
    rate = float(exact) if otio_rate is None else otio_rate
    result = otio.schema.Timeline(name=timeline.name)
    meta = {"rate": [exact.numerator, exact.denominator], "metadata": copy.deepcopy(timeline.metadata)}
    result.metadata[NAMESPACE] = meta
    start = timeline.metadata.get("otio_global_start_frame")
    if isinstance(start, int):
        result.global_start_time = rt(start, rate)
    for track in timeline.tracks:
        result.tracks.append(_track(track, rate, map_url))
    for marker in timeline.markers:
        result.tracks.markers.append(
            otio.schema.Marker(
                name=marker.name,
                marked_range=tr(marker.frame, 0, rate),
                color=marker.color,
                metadata={NAMESPACE: {"id": marker.id}},
            )
        )
    return result


def _track(track: Track, rate: float, map_url: UrlMapper | None) -> otio.schema.Track:
    kind = otio.schema.TrackKind.Video if track.kind == "video" else otio.schema.TrackKind.Audio
    result = otio.schema.Track(name=track.name, kind=kind)
    result.enabled = track.enabled
    metadata = copy.deepcopy(track.metadata)
    for key, value in (metadata.pop(FOREIGN_KEY, None) or {}).items():
        result.metadata[key] = value
    result.metadata[NAMESPACE] = {
        "id": track.id,
        "muted": track.muted,
        "solo": track.solo,
        "locked": track.locked,
        "gain_db": track.gain_db,
        "metadata": metadata,
    }
    position = 0
    for clip in track.clips:
        if clip.start > position:
            result.append(otio.schema.Gap(source_range=tr(0, clip.start - position, rate)))
        result.append(_clip(clip, rate, map_url))
        position = clip.end
    return result


def _clip(clip: Clip, rate: float, map_url: UrlMapper | None) -> otio.schema.Clip:
    active = clip.take
    origin = _origin(active) if active is not None else 0
    result = otio.schema.Clip(name=clip.name, source_range=tr(origin + clip.source_in, clip.duration, rate))
    result.enabled = clip.enabled
    if clip.takes:
        refs = {key: _reference(take, rate, map_url) for key, take in clip.takes.items()}
        result.set_media_references(refs, clip.active_take)
    metadata = copy.deepcopy(clip.metadata)
    for key, value in (metadata.pop(FOREIGN_KEY, None) or {}).items():
        result.metadata[key] = value
    result.metadata[NAMESPACE] = {
        "id": clip.id,
        "gain_db": clip.gain_db,
        "link_group": clip.link_group,
        "metadata": metadata,
        "takes": {key: {"missing": t.missing, "length": t.length, "url": t.url} for key, t in clip.takes.items()},
    }
    return result


def _origin(take: Take) -> int:
    meta = take.metadata.get(NAMESPACE)
    value = meta.get(ORIGIN_KEY, 0) if isinstance(meta, dict) else 0
    return value if isinstance(value, int) else 0


def _reference(take: Take, rate: float, map_url: UrlMapper | None) -> otio.core.MediaReference:
    if not take.url:
        ref: Any = otio.schema.MissingReference()
    else:
        ref = otio.schema.ExternalReference(target_url=map_url(take.url) if map_url else take.url)
    if take.length is not None:
        ref.available_range = tr(_origin(take), take.length, rate)
    for key, value in copy.deepcopy(take.metadata).items():
        ref.metadata[key] = value
    return ref
