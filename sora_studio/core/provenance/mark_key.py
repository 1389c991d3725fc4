"""The per-install secret that keys the trace mark's chip patterns (data_dir()/provenance/trace_mark.key, 0600).

Without the key nobody can read or forge this studio's marks; with it lost, old marks can no longer be traced,
so it is created once and never rotated silently.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sora_studio.core.appdirs import data_dir
from sora_studio.errors import StudioError

KEY_BYTES = 32


def key_path() -> Path:
    return data_dir() / "provenance" / "trace_mark.key"


def install_key() -> bytes:
    """Load the install's trace-mark key, creating it on first use."""
    path = key_path()
    if path.exists():
        key = path.read_bytes()
        if len(key) != KEY_BYTES:
            raise StudioError(f"the trace-mark key at {path} is damaged ({len(key)} bytes); restore it from a backup "
                              "(marks made with the old key cannot be traced without it)")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return key
