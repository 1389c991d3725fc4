"""A project on disk: the NAME.sorastudio/ bundle (see docs/projects.md for the layout).

    project.json    schema-versioned document: name, settings, media list (the commit point of a save)
    timeline.otio   the timeline as OTIO JSON
    media/          media copied into the project      renders/  exports
    autosave/       the latest autosave (same two files)    cache/  thumbnails, proxies, waveforms
    .session.json   present while a session has the project open; left behind by a crash

Paths stored inside are bundle-relative and never escape the bundle (absolute paths point at media
outside the project on purpose). Every write is atomic: a failed save leaves the files as they were.
"""

from __future__ import annotations

import os
import shutil
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

from sora_studio import __version__
from sora_studio.core.events import Signal
from sora_studio.core.fsutil import safe_relative
from sora_studio.core.project import schema, storage
from sora_studio.core.project import session as session_marker
from sora_studio.core.project.media_items import MediaItem, clips_for_media, take_for_media
from sora_studio.core.project.media_library import ProjectMedia, copy_file
from sora_studio.core.time import parse_rate
from sora_studio.core.timeline import otio_io
from sora_studio.core.timeline.model import Timeline, Track
from sora_studio.errors import BadInput, StudioError

__all__ = ["Project", "ProjectSettings", "MediaItem", "take_for_media", "clips_for_media", "BUNDLE_SUFFIX"]

BUNDLE_SUFFIX = ".sorastudio"
SUBDIRS = ("media", "renders", "autosave", "cache")


class ProjectSettings:
    def __init__(self, rate: Fraction | int | str = 24, width: int = 1920, height: int = 1080) -> None:
        self.rate = parse_rate(rate)
        self.width, self.height = int(width), int(height)

    def to_dict(self) -> dict[str, Any]:
        return {"rate": f"{self.rate.numerator}/{self.rate.denominator}", "width": self.width, "height": self.height}

    def __repr__(self) -> str:
        return f"ProjectSettings(rate={self.rate}, width={self.width}, height={self.height})"


def bundle_path(path: str | os.PathLike[str]) -> Path:
    """Where a project named by `path` lives: `path` itself if it ends in .sorastudio, else path + .sorastudio."""
    p = Path(path)
    return p if p.name.endswith(BUNDLE_SUFFIX) else p.with_name(p.name + BUNDLE_SUFFIX)


class Project(ProjectMedia):
    """An open project. Mutate the timeline through Edits; `dirty` tracks unsaved changes."""

    def __init__(self, path: Path, name: str, settings: ProjectSettings, timeline: Timeline, media: list[MediaItem]) -> None:
        self.path = path
        self.name = name
        self.settings = settings
        self.timeline = timeline
        self.media = media
        self.metadata: dict[str, Any] = {}
        self.warnings: list[str] = []  # things noticed while opening (shown to the user once)
        self.changed = Signal()  # emitted with a reason: 'media', 'dirty', 'saved', 'recovered', 'path'
        self._dirty = False
        self._saved_ns = 0
        self._crashed_session = False
        self._has_session = False
        timeline.changed.connect(self._on_timeline_changed)

    # -- folders ---------------------------------------------------------------------------
    @property
    def media_dir(self) -> Path:
        return self.path / "media"

    @property
    def renders_dir(self) -> Path:
        return self.path / "renders"

    @property
    def cache_dir(self) -> Path:
        return self.path / "cache"

    @property
    def autosave_dir(self) -> Path:
        return self.path / "autosave"

    # -- dirty state -----------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self._dirty

    def mark_dirty(self, value: bool = True) -> None:
        if self._dirty != value:
            self._dirty = value
            self.changed.emit("dirty")

    def _on_timeline_changed(self, *_: object) -> None:
        self.mark_dirty()

    # -- create / open ---------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        name: str | None = None,
        rate: Fraction | int | str = 24,
        width: int = 1920,
        height: int = 1080,
        session: bool = True,
    ) -> Project:
        """Make a new bundle (".sorastudio" is appended when missing) with one video and one audio track."""
        folder = bundle_path(path)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise BadInput(f"{folder} already exists and is not an empty folder: choose another name")
        settings = ProjectSettings(rate, width, height)
        schema.validate({"name": "x", "settings": settings.to_dict()})
        timeline = Timeline(rate=settings.rate, name=name or folder.name[: -len(BUNDLE_SUFFIX)] or "Untitled")
        timeline.tracks = [Track(kind="video", name="V1"), Track(kind="audio", name="A1")]
        project = cls(folder, timeline.name, settings, timeline, [])
        try:
            for sub in SUBDIRS:
                (folder / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StudioError(f"cannot create the project folder {folder}: {exc.strerror or exc}") from exc
        project.save()
        if session:
            project._start_session()
        return project

    @classmethod
    def open(cls, path: str | os.PathLike[str], session: bool = True) -> Project:
        """Open a bundle (or its project.json). BadInput for malformed, newer or path-escaping projects."""
        folder = Path(path)
        if folder.name == storage.PROJECT_FILE:
            folder = folder.parent
        if not folder.is_dir() and bundle_path(folder).is_dir():
            folder = bundle_path(folder)
        if not folder.is_dir():
            raise BadInput(f"no project folder at {folder}")
        document = schema.validate(schema.migrate(schema.read_document(folder / storage.PROJECT_FILE)))
        project = cls._from_document(folder, document, folder)
        if session:
            project._crashed_session = session_marker.left_behind(folder)
            project._start_session()
            for sub in SUBDIRS:  # older or hand-made bundles may lack some folders
                try:
                    (folder / sub).mkdir(exist_ok=True)
                except OSError:
                    break
        return project

    @classmethod
    def _from_document(cls, folder: Path, document: dict[str, Any], state_folder: Path) -> Project:
        warnings: list[str] = []
        raw = document["settings"]
        settings = ProjectSettings(raw.get("rate", 24), raw["width"], raw["height"])
        text = storage.read_timeline_text(state_folder, document, warnings)
        if text is None:
            timeline = Timeline(rate=settings.rate, name=document["name"])
            timeline.tracks = [Track(kind="video", name="V1"), Track(kind="audio", name="A1")]
        else:
            timeline, more = otio_io.loads(text)
            warnings += more
        if timeline.rate != settings.rate:
            raise BadInput(f"project.json says {settings.rate} fps but timeline.otio is at {timeline.rate} fps")
        media = [MediaItem.from_dict(item) for item in document.get("media", [])]
        project = cls(folder, document["name"], settings, timeline, media)
        metadata, saved_ns = document.get("metadata"), document.get("saved_ns")
        project.metadata = dict(metadata) if isinstance(metadata, dict) else {}
        project._saved_ns = saved_ns if isinstance(saved_ns, int) and not isinstance(saved_ns, bool) else 0
        project.warnings = warnings
        project._check_paths()
        project.refresh_missing()
        return project

    def _check_paths(self) -> None:
        """Refuse any bundle-relative path that escapes the bundle (hostile or corrupt project)."""
        for item in self.media:
            if not Path(item.url).is_absolute():
                safe_relative(self.path, item.url)
        for _, clip in self.timeline.clips():
            for take in clip.takes.values():
                if take.url and not Path(take.url).is_absolute() and "://" not in take.url:
                    safe_relative(self.path, take.url)

    def refresh_missing(self) -> list[MediaItem]:
        """Re-check which media files exist (media items and takes); returns the missing items."""
        for item in self.media:
            item.missing = not self._exists(item.url)
        for _, clip in self.timeline.clips():
            for take in clip.takes.values():
                take.missing = not self._exists(take.url)
        return [m for m in self.media if m.missing]

    def _exists(self, url: str) -> bool:
        try:
            return self.resolve(url).is_file()
        except BadInput:
            return False

    # -- paths -----------------------------------------------------------------------------
    def resolve(self, url: str) -> Path:
        """The file a take/media URL points at: bundle-relative URLs resolve inside the bundle only."""
        if not url:
            raise BadInput("this clip has no media: relink it")
        text = otio_io.url_to_path(url)
        if "://" in text:
            raise BadInput(f"media {url!r} is not a local file")
        path = Path(text)
        return path if path.is_absolute() else safe_relative(self.path, text)

    def url_for(self, file: Path) -> str:
        """Bundle-relative URL for a file inside the bundle, else its absolute path."""
        absolute = file.resolve()
        try:
            return absolute.relative_to(self.path.resolve()).as_posix()
        except ValueError:
            return str(absolute)

    # -- saving ----------------------------------------------------------------------------
    def _document(self) -> dict[str, Any]:
        return {
            "schema_version": schema.SCHEMA_VERSION,
            "app": f"sora-studio {__version__}",
            "name": self.name,
            "settings": self.settings.to_dict(),
            "timeline": storage.TIMELINE_FILE,
            "media": [m.to_dict() for m in self.media],
            "metadata": self.metadata,
        }

    def save(self) -> None:
        """Write project.json + timeline.otio atomically; on failure the previous save stays intact."""
        saved_ns = time.time_ns()
        document = {**self._document(), "saved_ns": saved_ns}
        try:
            storage.write_state(self.path, document, otio_io.dumps(self.timeline))
        except OSError as exc:
            raise StudioError(
                f"could not save the project to {self.path}: {exc.strerror or exc}. The project on disk is unchanged "
                "and your edits are still open: free some space or use Save As"
            ) from exc
        self._saved_ns = saved_ns
        self.mark_dirty(False)
        self.changed.emit("saved")

    def save_as(self, path: str | os.PathLike[str]) -> None:
        """Save into a new bundle, copying the media that live inside the current one."""
        folder = bundle_path(path)
        if folder.resolve() == self.path.resolve():
            self.save()
            return
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise BadInput(f"{folder} already exists and is not an empty folder: choose another name")
        try:
            for sub in SUBDIRS:
                (folder / sub).mkdir(parents=True, exist_ok=True)
            for item in self.media:
                if not Path(item.url).is_absolute() and not item.missing:
                    target = safe_relative(folder, item.url)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    copy_file(self.resolve(item.url), target)
        except OSError as exc:
            raise StudioError(f"could not create {folder}: {exc.strerror or exc}") from exc
        old = self.path
        had_session = self._has_session
        self._end_session()
        self.path = folder
        try:
            self.save()
        except StudioError:
            self.path = old
            raise
        finally:
            if had_session:
                self._start_session()
        self.changed.emit("path")

    # -- autosave and recovery -------------------------------------------------------------
    def autosave(self) -> bool:
        """Write the current state into autosave/ (atomically). Returns False when there was nothing new."""
        if not self._dirty:
            return False
        document = {**self._document(), "saved_ns": self._saved_ns, "autosaved_ns": time.time_ns()}
        try:
            storage.write_state(self.autosave_dir, document, otio_io.dumps(self.timeline))
        except OSError as exc:
            raise StudioError(f"autosave failed: {exc.strerror or exc}") from exc
        return True

    def _autosave_document(self) -> dict[str, Any] | None:
        path = self.autosave_dir / storage.PROJECT_FILE
        if not path.is_file():
            return None
        try:
            return schema.validate(schema.migrate(schema.read_document(path)))
        except BadInput:
            return None

    def recovery_available(self) -> bool:
        """True when the previous session ended without closing and left an autosave newer than the save."""
        if not self._crashed_session:
            return False
        document = self._autosave_document()
        return document is not None and int(document.get("autosaved_ns") or 0) > self._saved_ns

    def recover(self) -> None:
        """Load the autosaved state into this project (in place; the result is unsaved until save())."""
        document = self._autosave_document()
        if document is None:
            raise BadInput("there is no usable autosave in this project")
        recovered = self._from_document(self.path, document, self.autosave_dir)
        with self.timeline.changed.blocked():
            self.timeline.name = recovered.timeline.name
            self.timeline.tracks = recovered.timeline.tracks
            self.timeline.markers = recovered.timeline.markers
            self.timeline.metadata = recovered.timeline.metadata
        self.media, self.name, self.metadata = recovered.media, recovered.name, recovered.metadata
        self._crashed_session = False
        self.timeline.changed.emit(None)
        self.mark_dirty(True)
        self.changed.emit("recovered")

    def discard_recovery(self) -> None:
        self._crashed_session = False
        shutil.rmtree(self.autosave_dir, ignore_errors=True)
        self.autosave_dir.mkdir(exist_ok=True)

    # -- session marker --------------------------------------------------------------------
    def _start_session(self) -> None:
        self._has_session = session_marker.start(self.path)
        if not self._has_session:
            self.warnings.append("the project folder is read-only: crash recovery is not available")

    def _end_session(self) -> None:
        if self._has_session:
            session_marker.end(self.path)
            self._has_session = False

    def close(self) -> None:
        """End the session cleanly (the autosave is kept but no longer offered)."""
        self._end_session()
        self.timeline.changed.disconnect(self._on_timeline_changed)
