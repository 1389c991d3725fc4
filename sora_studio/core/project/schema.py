"""project.json: the versioned schema, its validation and the migrations from older versions.

Every change of the on-disk format bumps SCHEMA_VERSION and adds one step to MIGRATIONS that turns a
version N document into version N+1, so any older project opens. A newer document is refused: the
user has to upgrade Sora Studio rather than have an old version silently drop what it does not know.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sora_studio.core.project.media_items import guess_kind
from sora_studio.core.time import parse_rate
from sora_studio.core.timeline.model import new_id
from sora_studio.errors import BadInput

SCHEMA_VERSION = 1
MAX_PROJECT_JSON_BYTES = 64 * 1024 * 1024


def _migrate_0_to_1(data: dict[str, Any]) -> dict[str, Any]:
    """v0 (the prototype): {"version": 0, "title", "fps", "resolution": "WxH", "media": ["media/a.mp4", ...]}."""
    resolution = str(data.get("resolution") or "1920x1080").lower().split("x")
    if len(resolution) != 2 or not all(p.strip().isdigit() for p in resolution):
        raise BadInput(f"project.json (version 0): resolution {data.get('resolution')!r} is not WIDTHxHEIGHT")
    media = []
    for entry in data.get("media") or []:
        if not isinstance(entry, str):
            raise BadInput(f"project.json (version 0): media entry {entry!r} is not a path")
        media.append({"id": new_id("media"), "url": entry, "kind": guess_kind(entry), "name": Path(entry).name, "info": {}})
    return {
        "schema_version": 1,
        "name": str(data.get("title") or "Untitled"),
        "settings": {"rate": str(data.get("fps") or 24), "width": int(resolution[0]), "height": int(resolution[1])},
        "timeline": "timeline.otio",
        "media": media,
        "metadata": {"migrated_from": 0},
    }


# version N -> function turning a version N document into version N + 1
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _migrate_0_to_1}


def schema_version_of(data: dict[str, Any]) -> int:
    version = data.get("schema_version", data.get("version"))
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise BadInput(f"project.json has no valid schema_version (found {version!r})")
    return version


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a project document up to SCHEMA_VERSION, one step at a time."""
    version = schema_version_of(data)
    if version > SCHEMA_VERSION:
        raise BadInput(
            f"this project was saved by a newer Sora Studio (project schema {version}, this version reads up to "
            f"{SCHEMA_VERSION}): upgrade Sora Studio to open it"
        )
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:  # pragma: no cover - every old version has a step
            raise BadInput(f"no migration from project schema {version}")
        data = step(data)
        version = schema_version_of(data)
    return data


def read_document(path: Path) -> dict[str, Any]:
    """Parse project.json, naming the place of any JSON error."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BadInput(f"not a Sora Studio project: {path.parent} has no project.json") from None
    if size > MAX_PROJECT_JSON_BYTES:
        raise BadInput(f"{path} is too large to be a project file ({size} bytes)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path} is not UTF-8 text (byte {exc.start})") from None
    if not isinstance(data, dict):
        raise BadInput(f"{path}: expected a JSON object at the top level, found {type(data).__name__}")
    return data


def validate(data: dict[str, Any]) -> dict[str, Any]:
    """Check a current-version document's shape; returns it with settings normalised."""
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadInput("project.json: 'name' must be a non-empty string")
    settings = data.get("settings")
    if not isinstance(settings, dict):
        raise BadInput("project.json: 'settings' must be an object with rate, width and height")
    parse_rate(settings.get("rate", 24))
    for key in ("width", "height"):
        value = settings.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 16 <= value <= 16384:
            raise BadInput(f"project.json: settings.{key} must be a whole number of pixels between 16 and 16384")
    media = data.get("media", [])
    if not isinstance(media, list):
        raise BadInput("project.json: 'media' must be a list")
    seen = set()
    for index, item in enumerate(media):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(item.get("url"), str):
            raise BadInput(f"project.json: media[{index}] needs string 'id' and 'url'")
        if item["id"] in seen:
            raise BadInput(f"project.json: media id {item['id']!r} appears twice")
        seen.add(item["id"])
    timeline = data.get("timeline", "timeline.otio")
    if not isinstance(timeline, str) or not timeline.endswith(".otio") or "/" in timeline or "\\" in timeline:
        raise BadInput("project.json: 'timeline' must be the name of an .otio file in the project folder")
    return data
