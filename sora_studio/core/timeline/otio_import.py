"""An OTIO timeline (ours or another tool's) -> our Timeline plus a list of warnings.

Our own files come back exactly (ids, flags, takes, links from metadata["sora_studio"]). Timelines
from other tools are flattened to tracks of clips at explicit positions; what the model cannot express
is kept, never silently dropped:
- transitions -> their OTIO JSON in the next clip's metadata["otio_transitions"] (+ a warning);
- effects -> metadata["otio_effects"] of the clip/track (+ a warning);
- nested stacks/tracks -> a placeholder clip without media holding metadata["otio_nested"] (+ a warning);
- other tools' metadata -> metadata["otio_metadata"], written back on export;
- clip and track markers -> timeline markers at their timeline frame (durations are reported).
Times at other rates (30000/1001 media in a 24 fps timeline...) are rescaled to the nearest frame.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from sora_studio.core.time import seconds_to_frames, snap_rate, timecode
from sora_studio.core.timeline.model import NAMESPACE, Clip, Marker, Take, Timeline, Track, new_id
from sora_studio.core.timeline.otio_export import FOREIGN_KEY, ORIGIN_KEY

UrlMapper = Callable[[str], tuple[str, "bool | None"]]  # url in file -> (url for the take, missing? None = as saved)


def from_otio(source: otio.schema.Timeline, map_url: UrlMapper | None = None) -> tuple[Timeline, list[str]]:
    return _Importer(source, map_url).run()


def detect_rate(source: otio.schema.Timeline) -> Fraction:
    ours = _ours(source)
    value = ours.get("rate")
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) and v > 0 for v in value):
        rate = Fraction(value[0], value[1])
        if 0 < rate <= 1000:
            return rate
    for item in source.find_clips():
        if item.source_range is not None:
            return snap_rate(Fraction(item.source_range.duration.rate))
    if source.global_start_time is not None:
        return snap_rate(Fraction(source.global_start_time.rate))
    return Fraction(24)


class _Importer:
    def __init__(self, source: otio.schema.Timeline, map_url: UrlMapper | None) -> None:
        self.source = source
        self.map_url = map_url
        self.rate = detect_rate(source)
        self.warnings: list[str] = []
        self.timeline = Timeline(rate=self.rate, name=source.name or "Timeline")
        self.track_ids: set[str] = set()
        self.clip_ids: set[str] = set()
        self.marker_ids: set[str] = set()

    def frames(self, time: otio.opentime.RationalTime) -> int:
        if abs(time.rate - float(self.rate)) < 1e-9:
            return round(time.value)
        seconds = Fraction(time.value).limit_denominator(10**6) / snap_rate(Fraction(time.rate))
        return seconds_to_frames(seconds, self.rate)

    def _unique(self, wanted: object, fallback: str, seen: set[str]) -> str:
        """Our saved id when it is a fresh string, else a new one (duplicate ids would confuse edits)."""
        value = wanted if isinstance(wanted, str) and wanted and wanted not in seen else fallback
        if value in seen:
            value = new_id(fallback.split("-", 1)[0])
        if isinstance(wanted, str) and wanted and value != wanted:
            self.warnings.append(f"duplicate id {wanted!r} in the file: replaced by {value!r}")
        seen.add(value)
        return value

    def tc(self, frame: int) -> str:
        return timecode(frame, self.rate)

    def run(self) -> tuple[Timeline, list[str]]:
        ours = _ours(self.source)
        if ours:
            self.timeline.metadata = _dict(ours.get("metadata"))
        foreign = {k: v for k, v in self.source.metadata.items() if k != NAMESPACE}
        if foreign:
            self.timeline.metadata[FOREIGN_KEY] = _plain(foreign)
        if self.source.global_start_time is not None:
            self.timeline.metadata["otio_global_start_frame"] = self.frames(self.source.global_start_time)
        stack = self.source.tracks
        if stack.effects:
            self._keep_effects(self.timeline.metadata, stack.effects, "the timeline")
        for marker in stack.markers:
            self._marker(marker, 0, 0)
        for child in stack:
            if isinstance(child, otio.schema.Track):
                self.timeline.tracks.append(self._track(child))
            else:
                kept = self.timeline.metadata.setdefault("otio_unsupported", [])
                kept.append(child.to_json_string())
                self.warnings.append(f"top-level {type(child).__name__} {child.name!r} is not a track: kept as metadata only")
        # video tracks first (bottom to top), then audio, as the model expects
        self.timeline.tracks.sort(key=lambda t: 0 if t.kind == "video" else 1)
        self.timeline.markers.sort(key=lambda m: m.frame)
        return self.timeline, self.warnings

    # -- tracks ----------------------------------------------------------------------------
    def _track(self, source: otio.schema.Track) -> Track:
        ours = _ours(source)
        if source.kind == otio.schema.TrackKind.Audio:
            kind = "audio"
        else:
            kind = "video"
            if source.kind != otio.schema.TrackKind.Video:
                self.warnings.append(f"track {source.name!r} has kind {source.kind!r}: imported as video")
        number = 1 + sum(1 for t in self.timeline.tracks if t.kind == kind)
        track = Track(kind=kind, name=source.name or f"{kind[0].upper()}{number}")
        track.enabled = bool(source.enabled)
        if ours:
            track.id = self._unique(ours.get("id"), track.id, self.track_ids)
            track.muted, track.solo, track.locked = bool(ours.get("muted")), bool(ours.get("solo")), bool(ours.get("locked"))
            track.gain_db = _number(ours.get("gain_db"))
            track.metadata = _dict(ours.get("metadata"))
        foreign = {k: v for k, v in source.metadata.items() if k != NAMESPACE}
        if foreign:
            track.metadata[FOREIGN_KEY] = _plain(foreign)
        if source.effects:
            self._keep_effects(track.metadata, source.effects, f"track {track.name!r}")
        for marker in source.markers:
            self._marker(marker, 0, 0)
        position = 0
        pending_transitions: list[str] = []
        for item in source:
            if isinstance(item, otio.schema.Transition):
                pending_transitions.append(item.to_json_string())
                self.warnings.append(
                    f"transition {item.name or item.transition_type!r} on track {track.name!r} at {self.tc(position)} "
                    "is kept as metadata and not rendered (cut instead)"
                )
                continue
            try:
                duration = self.frames(item.duration())
            except Exception as exc:  # OTIO raises when an item has no range at all
                track.metadata.setdefault("otio_dropped", []).append(item.to_json_string())
                self.warnings.append(f"{type(item).__name__} {item.name!r} on track {track.name!r} has no duration ({exc}): kept as metadata only")
                continue
            if isinstance(item, otio.schema.Gap):
                position += duration
                continue
            if duration < 1:
                track.metadata.setdefault("otio_dropped", []).append(item.to_json_string())
                self.warnings.append(f"zero-length {type(item).__name__} {item.name!r} on track {track.name!r} at {self.tc(position)}: kept as metadata only")
                continue
            if isinstance(item, otio.schema.Clip):
                clip = self._clip(item, position, duration)
            else:
                clip = self._placeholder(item, position, duration)
            if pending_transitions:
                clip.metadata["otio_transitions"] = pending_transitions
                pending_transitions = []
            track.clips.append(clip)
            position += duration
        if pending_transitions:
            target = track.clips[-1].metadata if track.clips else track.metadata
            target.setdefault("otio_transitions", []).extend(pending_transitions)
        return track

    # -- clips -----------------------------------------------------------------------------
    def _clip(self, item: otio.schema.Clip, start: int, duration: int) -> Clip:
        ours = _ours(item)
        take_info = _dict(ours.get("takes"))
        takes: dict[str, Take] = {}
        active = item.active_media_reference_key
        for key, ref in item.media_references().items():
            if ours and key not in take_info:
                continue  # our clip had no take here: OTIO's placeholder MissingReference
            takes[key] = self._take(item, key, ref, _dict(take_info.get(key)))
        clip = Clip(name=item.name or "Clip", start=start, duration=duration, takes=takes, active_take=active)
        clip.enabled = bool(item.enabled)
        take = clip.take
        origin = _origin(take)
        source_start = item.source_range.start_time if item.source_range is not None else None
        clip.source_in = max(0, self.frames(source_start) - origin) if source_start is not None else 0
        if ours:
            clip.gain_db = _number(ours.get("gain_db"))
            link = ours.get("link_group")
            clip.link_group = link if isinstance(link, str) and link else None
            clip.metadata = _dict(ours.get("metadata"))
        clip.id = self._unique(ours.get("id"), clip.id, self.clip_ids)
        foreign = {k: v for k, v in item.metadata.items() if k != NAMESPACE}
        if foreign:
            clip.metadata[FOREIGN_KEY] = _plain(foreign)
        if item.effects:
            self._keep_effects(clip.metadata, item.effects, f"clip {clip.name!r}")
        source_offset = self.frames(source_start) if source_start is not None else 0
        for marker in item.markers:
            self._marker(marker, start, source_offset)
        for key, other in clip.takes.items():
            if other.length is not None and clip.source_in + clip.duration > other.length and key == clip.active_take:
                self.warnings.append(
                    f"clip {clip.name!r} at {self.tc(start)} uses more of its media than the file declares: media length extended"
                )
                other.length = clip.source_in + clip.duration
        return clip

    def _take(self, item: otio.schema.Clip, key: str, ref: Any, info: dict[str, Any]) -> Take:
        metadata = _plain(ref.metadata)
        length = None
        available = ref.available_range
        if available is not None:
            length = self.frames(available.duration)
            origin = self.frames(available.start_time)
            if origin:
                metadata.setdefault(NAMESPACE, {})[ORIGIN_KEY] = origin
        if isinstance(ref, otio.schema.ExternalReference):
            url = info.get("url") if isinstance(info.get("url"), str) else ref.target_url
            missing = bool(info.get("missing", False))
            if self.map_url is not None:
                url, checked = self.map_url(url)
                missing = missing if checked is None else checked
        else:
            url, missing = "", True
            if not isinstance(ref, otio.schema.MissingReference):
                metadata.setdefault(NAMESPACE, {})["otio_media_reference"] = ref.to_json_string()
                self.warnings.append(f"clip {item.name!r}: {type(ref).__name__} media is not supported: marked missing")
            elif self.map_url is not None:
                self.warnings.append(f"clip {item.name!r} has no media reference: marked missing")
        saved = info.get("length", 0)
        if saved is None or (isinstance(saved, int) and not isinstance(saved, bool) and saved > 0):
            length = saved
        return Take(url=url, length=length, missing=missing, metadata=metadata)

    def _placeholder(self, item: Any, start: int, duration: int) -> Clip:
        """A nested stack/track (or anything else with a duration) as a media-less clip keeping its JSON."""
        clip = Clip(name=item.name or type(item).__name__, start=start, duration=duration)
        clip.metadata["otio_nested"] = item.to_json_string()
        self.warnings.append(
            f"nested {type(item).__name__} {item.name!r} at {self.tc(start)} is not supported: "
            "imported as an empty placeholder clip (original kept in its metadata)"
        )
        return clip

    # -- shared ----------------------------------------------------------------------------
    def _marker(self, marker: otio.schema.Marker, item_start: int, source_offset: int) -> None:
        frame = item_start + self.frames(marker.marked_range.start_time) - source_offset
        ours = _ours(marker)
        self.timeline.markers.append(
            Marker(frame=max(0, frame), name=marker.name or "", color=str(marker.color or "GREEN"), id=self._unique(ours.get("id"), new_id("marker"), self.marker_ids))
        )
        if self.frames(marker.marked_range.duration) > 0:
            self.warnings.append(f"marker {marker.name!r} at {self.tc(frame)}: its duration is not kept (point marker)")

    def _keep_effects(self, metadata: dict[str, Any], effects: Any, where: str) -> None:
        kept = metadata.setdefault("otio_effects", [])
        for effect in effects:
            kept.append(effect.to_json_string())
            self.warnings.append(f"effect {effect.effect_name or effect.name!r} on {where} is kept as metadata and not rendered")


def _origin(take: Take | None) -> int:
    if take is None:
        return 0
    meta = take.metadata.get(NAMESPACE)
    value = meta.get(ORIGIN_KEY, 0) if isinstance(meta, dict) else 0
    return value if isinstance(value, int) else 0


def _dict(value: Any) -> dict[str, Any]:
    value = _plain(value)
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> float:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return 0.0
    return result if result == result and abs(result) < 1e6 else 0.0


def _ours(obj: Any) -> dict[str, Any]:
    """Our namespaced metadata of an OTIO object as a plain dict ({} when absent or malformed)."""
    value = _plain(obj.metadata.get(NAMESPACE))
    return value if isinstance(value, dict) else {}


def _plain(value: Any) -> Any:
    """OTIO AnyDictionary/AnyVector -> plain dicts/lists (JSON-safe, comparable)."""
    if isinstance(value, otio.core.SerializableObject):
        return value.to_json_string()
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        return value
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "__iter__"):
        return [_plain(v) for v in value]
    return value
