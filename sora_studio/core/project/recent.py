"""The recent-projects list (config_dir()/recent.json), newest first."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sora_studio.core.appdirs import config_dir
from sora_studio.core.fsutil import atomic_write_text

MAX_RECENT = 12
FILE_NAME = "recent.json"


def _file() -> Path:
    return config_dir() / FILE_NAME


def recent_projects(existing_only: bool = False) -> list[Path]:
    """Recent project folders, newest first; a corrupt list reads as empty (it is only a convenience)."""
    try:
        data = json.loads(_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    paths = [Path(p) for p in data.get("projects", []) if isinstance(p, str)] if isinstance(data, dict) else []
    return [p for p in paths if p.is_dir()] if existing_only else paths


def add_recent(path: str | os.PathLike[str]) -> list[Path]:
    entry = Path(path).resolve()
    paths = [entry] + [p for p in recent_projects() if p != entry]
    _write(paths[:MAX_RECENT])
    return paths[:MAX_RECENT]


def remove_recent(path: str | os.PathLike[str]) -> list[Path]:
    entry = Path(path).resolve()
    paths = [p for p in recent_projects() if p != entry]
    _write(paths)
    return paths


def _write(paths: list[Path]) -> None:
    atomic_write_text(_file(), json.dumps({"projects": [str(p) for p in paths]}, indent=2))
