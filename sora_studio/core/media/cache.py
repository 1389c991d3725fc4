"""Where derived media (thumbnails, waveform peaks, proxies) lives, keyed so a changed source invalidates it.

A cache file's name is `<source-path hash>-<source stamp hash>-<params hash>.<ext>` under
`<cache_dir>/<kind>/`. The stamp hashes size and modification time: edit, replace or re-render a source and
its old entries stop matching (and are deleted when a new one is written). Writes are atomic, so a crash
or cancel never leaves a half-written entry that looks valid.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def _digest(text: str, length: int = 16) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def source_stamp(source: str | os.PathLike[str]) -> str:
    """Hash of what identifies a source's current content cheaply: size and modification time (ns)."""
    st = Path(source).stat()
    return _digest(f"{st.st_size}:{st.st_mtime_ns}", 12)


class MediaCache:
    """One cache folder (a project's cache/, or the user cache dir)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def entry(self, kind: str, source: str | os.PathLike[str], params: dict[str, Any], ext: str) -> Path:
        """The cache path for (kind, source as it is now, params); it may not exist yet."""
        folder = self.root / kind
        name = f"{self._path_hash(source)}-{source_stamp(source)}-{_digest(json.dumps(params, sort_keys=True), 10)}"
        return folder / f"{name}.{ext}"

    def lookup(self, kind: str, source: str | os.PathLike[str], params: dict[str, Any], ext: str) -> Path | None:
        path = self.entry(kind, source, params, ext)
        return path if path.is_file() else None

    def prune_stale(self, kind: str, source: str | os.PathLike[str]) -> int:
        """Delete entries of this source made from an older version of it; returns how many."""
        folder = self.root / kind
        if not folder.is_dir():
            return 0
        prefix, stamp = self._path_hash(source), source_stamp(source)
        removed = 0
        for old in folder.glob(f"{prefix}-*"):
            if old.name.split("-")[1] != stamp and not old.name.startswith("."):
                old.unlink(missing_ok=True)
                removed += 1
        return removed

    @staticmethod
    def _path_hash(source: str | os.PathLike[str]) -> str:
        return _digest(str(Path(source).resolve()), 16)
