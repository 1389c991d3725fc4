"""Atomic writes and safe paths: the two guarantees every saved file relies on."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sora_studio.errors import BadInput


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write data so that path holds either the old or the new content, never a mix (temp + fsync + rename)."""
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], suffix: str | None = None) -> Iterator[Path]:
    """Yield a temp path beside `path`; on success fsync and rename it over `path`, on error remove it.

    Used for big outputs too (exports, downloads): the final name appears only when the file is complete.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=suffix or ".tmp", dir=final.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, final)
        _fsync_dir(final.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def safe_relative(root: str | os.PathLike[str], relative: str) -> Path:
    """Resolve a bundle-relative path, refusing absolute paths and anything that escapes root."""
    if not relative or "\x00" in relative:
        raise BadInput(f"empty or invalid path in bundle: {relative!r}")
    rel = Path(relative)
    if rel.is_absolute() or rel.drive or relative.startswith(("/", "\\")):
        raise BadInput(f"absolute path not allowed inside a project bundle: {relative!r}")
    root_resolved = Path(root).resolve()
    target = (root_resolved / rel).resolve()
    if target != root_resolved and root_resolved not in target.parents:
        raise BadInput(f"path escapes the project bundle: {relative!r}")
    return target
