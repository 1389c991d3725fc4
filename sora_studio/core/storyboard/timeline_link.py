"""The link between shots and the timeline: each shot is a clip whose metadata names it, each generation a take.

    clip.metadata["sora_studio"]["shot_id"]      which shot the clip came from (the timeline UI shows it)
    take.metadata["sora_studio"]                 media_id, generated, recipe, shot_id, variation, lineage
                                                 (parent take key + media sha256 and strength for remixes)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sora_studio.core.generation.request import file_sha256
from sora_studio.core.project.bundle import Project
from sora_studio.core.project.media_items import take_for_media
from sora_studio.core.timeline.edits import AddTake, Edit, InsertClip
from sora_studio.core.timeline.model import NAMESPACE, Clip, Take, Timeline, Track
from sora_studio.errors import BadInput


def shot_id_of(clip: Clip) -> str | None:
    ours = clip.metadata.get(NAMESPACE)
    return ours.get("shot_id") if isinstance(ours, dict) else None


def find_shot_clip(timeline: Timeline, shot_id: str) -> tuple[Track, Clip] | None:
    """The clip that holds a shot (the first one, when a user duplicated it)."""
    for track, clip in timeline.clips():
        if shot_id_of(clip) == shot_id:
            return track, clip
    return None


def target_video_track(timeline: Timeline) -> Track:
    """The lowest unlocked video track (storyboard clips go there)."""
    for track in timeline.video_tracks():
        if not track.locked:
            return track
    raise BadInput("the timeline has no unlocked video track for the storyboard; add or unlock one")


def next_take_key(clip: Clip | None, prefix: str) -> str:
    taken = set(clip.takes) if clip is not None else set()
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def media_path(project: Project, shot_or_clip_id: str, key: str) -> Path:
    """A fresh file name for generated media inside the bundle (media/generated/)."""
    folder = project.media_dir / "generated"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{shot_or_clip_id}-{key}"
    candidate, n = folder / f"{stem}.mp4", 1
    while candidate.exists():
        candidate, n = folder / f"{stem}-{n}.mp4", n + 1
    return candidate


def generated_take(project: Project, file: Path, recipe: dict[str, Any], **lineage: Any) -> Take:
    """Import a generated MP4 into the project and make the take that references it (with its recipe)."""
    item = project.import_media(file)
    take = take_for_media(item, project.timeline.rate)
    take.metadata[NAMESPACE].update({"generated": True, "recipe": recipe, **{k: v for k, v in lineage.items()
                                                                                if v is not None}})
    return take


def new_shot_clip(name: str, shot_id: str, key: str, take: Take) -> Clip:
    if not take.length:
        raise BadInput(f"the generated clip for {name} has no frames")
    return Clip(name=name, start=0, duration=take.length, takes={key: take}, active_take=key,
                metadata={NAMESPACE: {"kind": "video", "shot_id": shot_id, "media_id": take.metadata[NAMESPACE].get("media_id")}})


def place_shot(timeline: Timeline, name: str, shot_id: str, key: str, take: Take, activate: bool = True,
               order: list[str] | None = None) -> Edit:
    """The edit that puts a shot's take on the timeline: a new take on its clip, or a new clip.

    A new clip goes right after the clip of the nearest earlier shot in `order` (the storyboard's shot ids),
    else before the clip of the nearest later shot, else at the end of the track; later clips move right.
    So shots may be generated in any order and still land in storyboard order.
    """
    found = find_shot_clip(timeline, shot_id)
    if found is not None:
        _, clip = found
        return AddTake(clip.id, key, take, activate=activate)
    track = target_video_track(timeline)
    at = track.end
    if order and shot_id in order:
        i = order.index(shot_id)
        before = [find_shot_clip(timeline, s) for s in reversed(order[:i])]
        after = [find_shot_clip(timeline, s) for s in order[i + 1:]]
        earlier = next((f for f in before if f is not None and f[0] is track), None)
        later = next((f for f in after if f is not None and f[0] is track), None)
        if earlier is not None:
            at = earlier[1].end
        elif later is not None:
            at = later[1].start
    clip = new_shot_clip(name, shot_id, key, take)
    return InsertClip(track.id, clip, at=at)


def take_lineage(project: Project, clip: Clip) -> dict[str, Any]:
    """Parent take key and the sha256 of its media (what a remix or continuation was made from)."""
    take = clip.take
    if take is None:
        raise BadInput(f"clip {clip.name!r} has no media to start from")
    path = project.resolve(take.url)
    if not path.is_file():
        raise BadInput(f"the media of clip {clip.name!r} is missing ({take.url}); relink it first")
    return {"parent_clip": clip.id, "parent_take": clip.active_take, "parent_media_sha256": file_sha256(path)}
