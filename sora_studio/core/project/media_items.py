"""Media known to a project, and how a media item becomes takes and clips on the timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from sora_studio.core.timeline.model import NAMESPACE, Clip, Take, new_id

DEFAULT_STILL_SECONDS = 5
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif", ".exr", ".dpx"}
_AUDIO_SUFFIXES = {".wav", ".mp3", ".aac", ".m4a", ".flac", ".ogg", ".opus", ".aif", ".aiff"}


def guess_kind(url: str) -> str:
    """Media kind from a file name, for media that cannot be probed (missing)."""
    suffix = Path(url).suffix.lower()
    return "image" if suffix in _IMAGE_SUFFIXES else "audio" if suffix in _AUDIO_SUFFIXES else "video"


@dataclass
class MediaItem:
    """One imported file. `url` is bundle-relative ('media/a.mp4') or absolute; `info` is probe()'s to_dict()."""

    id: str
    url: str
    kind: str  # 'video' | 'audio' | 'image'
    info: dict[str, Any] = field(default_factory=dict)
    missing: bool = False
    name: str = ""
    recipe: dict[str, Any] | None = None  # set for generated clips: the recipe they were made with

    def to_dict(self) -> dict[str, Any]:
        data = {"id": self.id, "url": self.url, "kind": self.kind, "name": self.name, "info": self.info}
        if self.recipe is not None:
            data["recipe"] = self.recipe
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaItem:
        info = data.get("info") if isinstance(data.get("info"), dict) else {}
        kind = data.get("kind") if data.get("kind") in ("video", "audio", "image") else "video"
        recipe = data.get("recipe") if isinstance(data.get("recipe"), dict) else None
        return cls(id=data["id"], url=data["url"], kind=kind, info=info, name=str(data.get("name") or ""),
                   recipe=recipe)

    @property
    def has_video(self) -> bool:
        return self.kind in ("video", "image")

    @property
    def has_audio(self) -> bool:
        return bool(self.info.get("has_audio", self.kind == "audio"))


def media_length(item: MediaItem, rate: Fraction) -> int | None:
    """Whole frames of the item at a timeline rate (rounded down so clips never run past the media)."""
    if item.kind == "image":
        return None
    info = item.info
    frame_rate, frame_count = info.get("frame_rate"), info.get("frame_count")
    if frame_rate and frame_count and Fraction(str(frame_rate)) == rate:
        return int(frame_count)
    duration = info.get("duration_s")
    if duration is None:
        return None
    return max(1, int(Fraction(str(duration)) * rate))


def take_for_media(item: MediaItem, rate: Fraction) -> Take:
    """A Take referencing a media item (its length in timeline frames; None for stills)."""
    return Take(
        url=item.url,
        length=media_length(item, rate),
        missing=item.missing,
        metadata={NAMESPACE: {"media_id": item.id, "has_audio": bool(item.has_audio),
                              **({"recipe": item.recipe} if item.recipe else {})}},
    )


def clips_for_media(item: MediaItem, rate: Fraction, start: int = 0, duration: int | None = None) -> list[tuple[str, Clip]]:
    """Clips for dropping a media item on the timeline: [('video', clip), ('audio', clip)] as the media has.

    A video with sound gives a linked pair (same link_group) so the two move and trim together.
    """
    length = media_length(item, rate)
    if duration is None:
        duration = length if length is not None else int(DEFAULT_STILL_SECONDS * rate)
    if length is not None:
        duration = min(duration, length)
    kinds = [k for k, present in (("video", item.has_video), ("audio", item.has_audio)) if present]
    group = new_id("link") if len(kinds) > 1 else None
    name = item.name or item.url.rsplit("/", 1)[-1]
    return [
        (
            kind,
            Clip(
                name=name,
                start=start,
                duration=max(1, duration),
                takes={"DEFAULT_MEDIA": take_for_media(item, rate)},
                link_group=group,
                metadata={NAMESPACE: {"kind": kind, "media_id": item.id}},
            ),
        )
        for kind in kinds
    ]
