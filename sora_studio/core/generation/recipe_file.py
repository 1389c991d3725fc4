"""Find the generation recipe a clip carries: its `.recipe.json` sidecar or the recipe the engine embeds in
the MP4's container metadata. A file with one is generated content wherever it is imported or exported
(so the visible watermark and trace mark cannot be lost by importing a generated clip as 'footage')."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import av

CONTAINER_KEY = "sora_studio_recipe"


def read_recipe(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The recipe dict of a generated clip, or None for anything else (including unreadable files)."""
    path = Path(path)
    sidecar = path.with_suffix(path.suffix + ".recipe.json")
    for text in (_read_text(sidecar), _container_recipe(path)):
        if text:
            try:
                data = json.loads(text)
            except ValueError:
                continue
            if isinstance(data, dict) and data.get("model_id"):
                return data
    return None


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None


def _container_recipe(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        with av.open(str(path)) as container:
            return container.metadata.get(CONTAINER_KEY)
    except (av.error.FFmpegError, OSError, ValueError):
        return None
