"""Locate the data files shipped beside the code: resources/ (presets, styles, rules, themes) and models/ (manifests).

In a source checkout or editable install they sit at the repository root; a packaged build sets
SORA_STUDIO_DATA to the folder that holds both.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[2]


def _data_root() -> Path:
    override = os.environ.get("SORA_STUDIO_DATA")
    return Path(override) if override else _REPO_ROOT


def resource_path(*parts: str) -> Path:
    """Path of a file or folder under resources/ (it may not exist; callers report that clearly)."""
    return _data_root().joinpath("resources", *parts)


def models_path(*parts: str) -> Path:
    """Path under models/ (manifests and small bundled model files)."""
    return _data_root().joinpath("models", *parts)
