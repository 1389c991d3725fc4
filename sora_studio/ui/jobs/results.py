"""What happens to a finished clip: it moves into the project's media/ folder (with its recipe sidecar), joins
the media bin, and, when it was made for a timeline clip, becomes a new take of that clip (an undoable edit).

Qt-free: the controller calls these on the GUI thread.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from sora_studio.core.project.media_items import MediaItem, take_for_media
from sora_studio.core.timeline.edits import AddTake
from sora_studio.core.timeline.model import NAMESPACE, Clip, Timeline
from sora_studio.errors import BadInput, StudioError

SIDECAR_SUFFIX = ".recipe.json"


def clip_file_name(recipe: dict[str, Any]) -> str:
    """A readable file name: the prompt's first words and the seed (e.g. 'a-cat-on-a-beach-s42.mp4')."""
    words = re.sub(r"[^a-z0-9]+", "-", str(recipe.get("prompt", "")).lower()).strip("-")
    stem = (words[:40].rstrip("-") or "generated") + f"-s{recipe.get('seed', 0)}"
    return f"{stem}.mp4"


def _unique(folder: Path, name: str) -> Path:
    stem, suffix = os.path.splitext(name)
    candidate, n = folder / name, 1
    while candidate.exists() or Path(str(candidate) + SIDECAR_SUFFIX).exists():
        candidate, n = folder / f"{stem}-{n}{suffix}", n + 1
    return candidate


def _move(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)  # same disk: atomic
    except OSError:
        shutil.copy2(source, target)  # another disk: copy, then drop the original
        source.unlink(missing_ok=True)


def import_result(project: Any, result: dict[str, Any]) -> MediaItem:
    """Move the generated MP4 and its recipe sidecar into `project.media_dir` and add it to the project.

    Raises StudioError (with what to do) when the file is gone or cannot be read; nothing is moved then.
    """
    source = Path(str(result.get("media", "")))
    if not source.is_file():
        raise StudioError(f"the generated file {source} is missing; retry the job to make it again")
    media_dir = Path(project.media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    if source.resolve().parent == media_dir.resolve():
        return project.import_media(source)  # already in place (a re-import)
    from sora_studio.core.media.probe import probe

    probe(source)  # refuse an unreadable file before moving anything
    target = _unique(media_dir, clip_file_name(result.get("recipe") or {}))
    sidecar = Path(str(result.get("recipe_file") or (str(source) + SIDECAR_SUFFIX)))
    try:
        _move(source, target)
        if sidecar.is_file():
            _move(sidecar, Path(str(target) + SIDECAR_SUFFIX))
    except OSError as exc:
        raise StudioError(f"could not move the generated clip into {media_dir}: {exc.strerror or exc}") from exc
    item = project.import_media(target)
    if not item.name:
        item.name = target.name
    return item


def take_key(clip: Clip, recipe: dict[str, Any]) -> str:
    """'gen-s<seed>', made unique among the clip's takes."""
    base = f"gen-s{recipe.get('seed', 0)}"
    key, n = base, 2
    while key in clip.takes:
        key, n = f"{base}-{n}", n + 1
    return key


def find_clip(timeline: Timeline, clip_id: str) -> Clip | None:
    return next((clip for _track, clip in timeline.clips() if clip.id == clip_id), None)


def add_take_edit(timeline: Timeline, clip_id: str, item: MediaItem, recipe: dict[str, Any], job_id: str) -> AddTake:
    """The AddTake edit for a generated clip. It becomes the active take when it is long enough to cover the
    clip (a shorter take is kept but not activated: trim the clip, then switch takes)."""
    clip = find_clip(timeline, clip_id)
    if clip is None:
        raise BadInput("the clip this take was generated for is no longer on the timeline; "
                       "the generated clip is in the media bin")
    take = take_for_media(item, timeline.rate)
    take.metadata.setdefault(NAMESPACE, {}).update({"recipe": recipe, "job_id": job_id, "generated": True})
    covers = take.length is None or take.length >= clip.source_in + clip.duration
    return AddTake(clip_id, take_key(clip, recipe), take, activate=covers)
