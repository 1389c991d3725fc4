"""The "session open" marker that lets the next open notice a crash (and offer the autosave)."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from sora_studio.core.fsutil import atomic_write_text

SESSION_FILE = ".session.json"


def left_behind(folder: Path) -> bool:
    """True when a previous session did not close the project (crash, kill, power cut)."""
    return (folder / SESSION_FILE).exists()


def start(folder: Path) -> bool:
    """Write the marker; False when the folder is read-only (recovery then cannot be offered)."""
    marker = {"pid": os.getpid(), "host": socket.gethostname(), "opened_ns": time.time_ns()}
    try:
        atomic_write_text(folder / SESSION_FILE, json.dumps(marker))
    except OSError:
        return False
    return True


def end(folder: Path) -> None:
    (folder / SESSION_FILE).unlink(missing_ok=True)
