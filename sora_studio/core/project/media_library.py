"""The media library half of a Project: import, relink, adopt and look up media items.

Kept apart from bundle.py (saving, sessions, recovery) so each file holds one concept; Project
inherits these methods and provides `path`, `timeline`, `media`, `resolve`, `url_for`, `mark_dirty`
and `changed`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sora_studio.core.cancel import CancelToken
from sora_studio.core.fsutil import atomic_output
from sora_studio.core.project.media_items import MediaItem, guess_kind, media_length
from sora_studio.core.timeline.model import new_id
from sora_studio.errors import BadInput, StudioError

if TYPE_CHECKING:
    from sora_studio.core.events import Signal
    from sora_studio.core.timeline.model import Timeline


COPY_CHUNK = 4 * 1024 * 1024


def copy_file(
    source: Path, target: Path, progress: Callable[[float], None] | None = None, cancel: CancelToken | None = None
) -> None:
    """Copy in chunks into a temp file beside target, renamed only when complete (atomic, cancellable)."""
    total = max(1, source.stat().st_size)
    done = 0
    try:
        with atomic_output(target) as tmp, open(source, "rb") as src, open(tmp, "wb") as dst:
            while chunk := src.read(COPY_CHUNK):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                dst.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(min(1.0, done / total))
    except OSError as exc:
        raise StudioError(f"could not copy {source.name} into the project: {exc.strerror or exc}") from exc


class ProjectMedia:
    path: Path
    timeline: Timeline
    media: list[MediaItem]
    changed: Signal

    def resolve(self, url: str) -> Path:  # pragma: no cover - provided by Project
        raise NotImplementedError

    def url_for(self, file: Path) -> str:  # pragma: no cover - provided by Project
        raise NotImplementedError

    def mark_dirty(self, value: bool = True) -> None:  # pragma: no cover - provided by Project
        raise NotImplementedError

    media_dir: Path
    def media_item(self, media_id: str) -> MediaItem:
        for item in self.media:
            if item.id == media_id:
                return item
        raise BadInput(f"no media with id {media_id!r} in this project")

    def import_media(
        self,
        file: str | os.PathLike[str],
        copy: bool = False,
        progress: Callable[[float], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> MediaItem:
        """Probe a file (BadInput if unusable) and add it; with copy=True it is copied into media/.

        The copy reports progress (0..1) and stops on `cancel` (errors.Cancelled), leaving no partial file.
        """
        from sora_studio.core.generation.recipe_file import read_recipe
        from sora_studio.core.media.probe import probe

        source = Path(file)
        info = probe(source)
        url = self.url_for(source)
        if copy and Path(url).is_absolute():
            target = self._unique_media_path(source.name)
            copy_file(source, target, progress, cancel)
            url = self.url_for(target)
        for item in self.media:
            if item.url == url:
                return item
        item = MediaItem(id=new_id("media"), url=url, kind=info.kind, info=info.to_dict(), name=source.name,
                         recipe=read_recipe(self.resolve(url)))
        self.media.append(item)
        self.mark_dirty()
        self.changed.emit("media")
        return item

    def _unique_media_path(self, name: str) -> Path:
        stem, suffix = os.path.splitext(name.lstrip(".") or "media")
        candidate = self.media_dir / f"{stem}{suffix}"
        counter = 1
        while candidate.exists():
            candidate = self.media_dir / f"{stem}-{counter}{suffix}"
            counter += 1
        return candidate

    def relink(self, media_id: str, new_path: str | os.PathLike[str]) -> MediaItem:
        """Point a media item (and every take using it) at another file; refused if that file is too short."""
        from sora_studio.core.media.probe import probe

        item = self.media_item(media_id)
        source = Path(new_path)
        info = probe(source)
        candidate = MediaItem(id=item.id, url=self.url_for(source), kind=info.kind, info=info.to_dict(), name=item.name)
        new_length = media_length(candidate, self.timeline.rate)
        old_url = item.url
        users = [(c, t) for _, c in self.timeline.clips() for t in c.takes.values() if t.url == old_url]
        needed = max((c.source_in + c.duration for c, t in users if c.take is t), default=0)
        if new_length is not None and needed > new_length:
            raise BadInput(f"{source.name} is shorter ({new_length} frames) than the clips using this media need ({needed})")
        for _, take in users:  # takes are shared by undo history copies, so this reaches them too
            take.url, take.missing, take.length = candidate.url, False, new_length
        item.url, item.info, item.kind, item.missing = candidate.url, candidate.info, candidate.kind, False
        self.mark_dirty()
        self.timeline.changed.emit(None)
        self.changed.emit("media")
        return item

    def adopt_timeline_media(self) -> list[MediaItem]:
        """Add a media item for each take URL the media list does not know (after importing a timeline)."""
        from sora_studio.core.media.probe import probe

        known = {m.url for m in self.media}
        added = []
        for _, clip in self.timeline.clips():
            for take in clip.takes.values():
                if not take.url or take.url in known:
                    continue
                known.add(take.url)
                item = MediaItem(id=new_id("media"), url=take.url, kind=guess_kind(take.url), name=Path(take.url).name)
                try:
                    item.info = probe(self.resolve(take.url)).to_dict()
                    item.kind = item.info["kind"]
                except BadInput:
                    item.missing = True
                added.append(item)
        if added:
            self.media.extend(added)
            self.mark_dirty()
            self.changed.emit("media")
        return added

    def missing_media(self) -> list[MediaItem]:
        return [m for m in self.media if m.missing]
