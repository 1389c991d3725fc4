"""Delete, from an open project, every clip that was rendered with a cameo whose owner withdrew it.

Why a separate step from `permissions.delete_clips_using`: that one removes the files the usage log names
(the render outputs), but the studio moves a finished render into the project's media/ folder, and a clip
may have been copied into a bundle. Here a take is withdrawn when its file is one the usage log names, or
when its recipe (take metadata, media item or `.recipe.json` sidecar) lists the cameo's id. Then:

- the media files, their recipe sidecars and their cached thumbnails/waveforms/proxies are deleted;
- their media items leave the project's media list;
- each take that used them leaves its clip; a clip whose active take went keeps its place on the timeline
  as a hole: a media-less "withdrawn" take (painted "DELETED: cameo withdrawn"), so the cut stays intact
  and the gap is visible instead of silently closing up. Other takes of the clip stay selectable.

The timeline change is one Edit (undo restores the references, never the deleted files); it ignores track
locks, because a withdrawal of consent is not an edit the user may refuse by locking a track. Qt-free.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sora_studio.core.media.cache import MediaCache
from sora_studio.core.timeline.edit_base import Edit
from sora_studio.core.timeline.model import NAMESPACE, Clip, Take, Timeline

WITHDRAWN_KEY = "withdrawn"  # the hole take's key, and its marker under take.metadata[NAMESPACE]
WITHDRAWN_LABEL = "DELETED: cameo withdrawn"
RECIPE_SUFFIX = ".recipe.json"


def is_withdrawn(take: Take | None) -> bool:
    """True for the placeholder take left where a withdrawn cameo clip was."""
    if take is None:
        return False
    meta = take.metadata.get(NAMESPACE)
    return isinstance(meta, dict) and isinstance(meta.get(WITHDRAWN_KEY), dict)


def _recipe_cameos(recipe: Any) -> set[str]:
    if not isinstance(recipe, dict):
        return set()
    ids = recipe.get("cameo_ids") or recipe.get("cameos") or []
    return {str(c) for c in ids if isinstance(c, (str, int))} if isinstance(ids, list) else set()


def _sidecar_cameos(path: Path) -> set[str]:
    sidecar = Path(str(path) + RECIPE_SUFFIX)
    try:
        return _recipe_cameos(json.loads(sidecar.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return set()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except OSError:  # pragma: no cover - realpath only fails on absurd paths
        return False


class WithdrawTakes(Edit):
    """Remove the given takes from their clips; a clip whose active take goes gets the withdrawn hole take."""

    label = "Delete Clips of a Withdrawn Cameo"

    def __init__(self, takes: dict[str, list[str]], when: str | None = None) -> None:
        super().__init__()
        self.takes = {clip_id: list(keys) for clip_id, keys in takes.items()}
        self.when = when or datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._before: dict[str, list[Clip]] = {}

    def _apply(self, timeline: Timeline) -> None:
        self._before = {}
        for track in timeline.tracks:
            if not any(c.id in self.takes for c in track.clips):
                continue
            self._before[track.id] = track.clips
            track.clips = [self._withdrawn(c) if c.id in self.takes else c for c in track.clips]

    def _withdrawn(self, clip: Clip) -> Clip:
        gone = set(self.takes[clip.id])
        takes = {k: t for k, t in clip.takes.items() if k not in gone}
        active = clip.active_take
        if active in gone:
            old = clip.takes[active]
            key = WITHDRAWN_KEY
            while key in takes:
                key += "+"
            marker = {"reason": "cameo withdrawn by its owner", "at": self.when}
            takes[key] = Take(url="", length=old.length, missing=True, metadata={NAMESPACE: {WITHDRAWN_KEY: marker}})
            active = key
        return dataclasses.replace(clip, takes=takes, active_take=active)

    def _revert(self, timeline: Timeline) -> None:
        for track in timeline.tracks:
            if track.id in self._before:
                track.clips = self._before[track.id]
        self._before = {}


@dataclass
class PurgePlan:
    """What a purge would remove: files, media item ids, and take keys per clip id."""

    files: list[Path] = field(default_factory=list)
    media_ids: list[str] = field(default_factory=list)
    takes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.files or self.media_ids or self.takes)


@dataclass
class PurgeReport:
    files_deleted: list[Path]
    media_removed: list[str]
    clips_emptied: list[str]  # clips now showing a withdrawn hole
    takes_removed: int
    cache_files_deleted: int


def plan_purge(project: Any, cameo_ids: Iterable[str], clip_paths: Iterable[str | os.PathLike[str]]) -> PurgePlan:
    """Find the project's files and takes made with any of `cameo_ids` or named in `clip_paths` (usage log)."""
    ids = {str(c) for c in cameo_ids}
    logged = [Path(p) for p in clip_paths]
    verdicts: dict[str, bool] = {}

    def withdrawn(url: str, recipe: Any = None) -> bool:
        if not url:
            return False
        if url not in verdicts:
            try:
                path = Path(project.resolve(url))
            except Exception:  # noqa: BLE001 - an unresolvable url (hostile, remote) is not ours to delete
                verdicts[url] = False
                return False
            verdicts[url] = (any(_same_file(path, p) for p in logged) or bool(ids & _recipe_cameos(recipe))
                             or bool(ids & _sidecar_cameos(path)))
        elif not verdicts[url] and ids & _recipe_cameos(recipe):
            verdicts[url] = True
        return verdicts[url]

    plan = PurgePlan()
    for item in project.media:
        if withdrawn(item.url, item.recipe):
            plan.media_ids.append(item.id)
    for _, clip in project.timeline.clips():
        for take in clip.takes.values():
            meta = take.metadata.get(NAMESPACE)
            withdrawn(take.url, meta.get("recipe") if isinstance(meta, dict) else None)
    for item in project.media:
        if verdicts.get(item.url) and item.id not in plan.media_ids:
            plan.media_ids.append(item.id)
    for _, clip in project.timeline.clips():
        keys = [k for k, t in clip.takes.items() if verdicts.get(t.url)]
        if keys:
            plan.takes[clip.id] = keys
    for url, verdict in verdicts.items():
        if verdict:
            path = Path(project.resolve(url))
            if path.is_file() and path not in plan.files:
                plan.files.append(path)
    return plan


def purge_project_clips(project: Any, cameo_ids: Iterable[str], clip_paths: Iterable[str | os.PathLike[str]] = (),
                        apply_edit: Callable[[Edit], object] | None = None) -> PurgeReport:
    """Withdraw the takes, then delete the files, sidecars and cached previews; returns what was removed.

    `apply_edit` pushes the edit through the caller's undo stack (the GUI session); by default it is applied
    to `project.timeline` directly. The timeline changes first, so a failure there deletes nothing.
    """
    plan = plan_purge(project, cameo_ids, clip_paths)
    clips_emptied = [cid for cid, keys in plan.takes.items()
                     if project.timeline.find_clip(cid)[1].active_take in keys]
    if plan.takes:
        edit = WithdrawTakes(plan.takes)
        if apply_edit is not None:
            if apply_edit(edit) is False:
                raise RuntimeError("the timeline refused the withdrawal edit")
        else:
            edit.apply(project.timeline)
    cache_deleted = 0
    deleted: list[Path] = []
    for path in plan.files:
        cache_deleted += _delete_cached(project, path)  # the cache names hash the path: find them first
        Path(str(path) + RECIPE_SUFFIX).unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        deleted.append(path)
    if plan.media_ids:
        gone = set(plan.media_ids)
        project.media[:] = [m for m in project.media if m.id not in gone]
    if plan.media_ids or plan.takes:
        project.mark_dirty()
        project.changed.emit("media")
    return PurgeReport(deleted, list(plan.media_ids), clips_emptied, sum(map(len, plan.takes.values())), cache_deleted)


def _delete_cached(project: Any, path: Path) -> int:
    """Thumbnails, waveform peaks and proxies made from `path` in the project cache (they show the cameo too)."""
    cache_dir = Path(getattr(project, "cache_dir", "") or "")
    if not cache_dir.is_dir():
        return 0
    prefix = MediaCache._path_hash(path)  # the cache's own naming of a source
    removed = 0
    for kind in cache_dir.iterdir():
        if kind.is_dir():
            for entry in kind.glob(f"{prefix}-*"):
                entry.unlink(missing_ok=True)
                removed += 1
    return removed
