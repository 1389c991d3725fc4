"""Where the studio keeps per-user data (settings, models registry, cameo store, ledger, queue).

SORA_STUDIO_HOME overrides the platform default so tests and portable installs stay self-contained.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "sora-studio"


def data_dir() -> Path:
    override = os.environ.get("SORA_STUDIO_HOME")
    path = Path(override) / "data" if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    override = os.environ.get("SORA_STUDIO_HOME")
    path = Path(override) / "config" if override else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    override = os.environ.get("SORA_STUDIO_HOME")
    path = Path(override) / "cache" if override else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path
