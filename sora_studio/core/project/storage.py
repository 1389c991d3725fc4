"""Writing and reading the two files of a saved state (project.json + timeline.otio) as one atomic unit.

project.json is the commit point. A save writes the new timeline to `timeline.otio.next`, then
project.json (atomically, recording the timeline's sha256), then renames the .next file over
timeline.otio. If project.json cannot be written nothing on disk changed; if the process dies after
project.json but before the rename, the next read sees the sha256 of .next and rolls forward.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from sora_studio.core.fsutil import atomic_write_text, safe_relative
from sora_studio.errors import BadInput

PROJECT_FILE = "project.json"
TIMELINE_FILE = "timeline.otio"
NEXT_SUFFIX = ".next"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_state(folder: Path, document: dict[str, Any], timeline_text: str) -> None:
    """Atomically replace folder's project.json + timeline.otio with a new state."""
    folder.mkdir(parents=True, exist_ok=True)
    timeline_name = document.get("timeline", TIMELINE_FILE)
    final = safe_relative(folder, timeline_name)
    pending = final.with_name(final.name + NEXT_SUFFIX)
    document = {**document, "timeline_sha256": sha256_text(timeline_text)}
    atomic_write_text(pending, timeline_text)
    try:
        atomic_write_text(folder / PROJECT_FILE, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    try:
        os.replace(pending, final)
    except OSError:
        pass  # project.json is committed; the next read rolls timeline.otio.next forward


def read_timeline_text(folder: Path, document: dict[str, Any], warnings: list[str]) -> str | None:
    """The timeline text matching project.json (rolling an interrupted save forward); None if absent."""
    timeline_name = document.get("timeline", TIMELINE_FILE)
    final = safe_relative(folder, timeline_name)
    pending = final.with_name(final.name + NEXT_SUFFIX)
    expected = document.get("timeline_sha256")
    text = _read_text(final)
    if expected and (text is None or sha256_text(text) != expected):
        pending_text = _read_text(pending)
        if pending_text is not None and sha256_text(pending_text) == expected:
            try:
                os.replace(pending, final)  # finish the interrupted save
            except OSError:
                warnings.append("the last save was interrupted; read-only folder, so the newer timeline was read from timeline.otio.next")
            return pending_text
        if text is None:
            raise BadInput(
                f"{final} is missing: the project's timeline is gone (restore it from a backup, or copy "
                "autosave/timeline.otio there)"
            )
        warnings.append("timeline.otio was changed outside Sora Studio since the last save (checksum differs)")
    return text


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path} is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
