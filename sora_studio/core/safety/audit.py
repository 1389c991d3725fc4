"""Audit log of generations and refusals (SQLite in the studio's data folder).

It stores a hash of the prompt, never the prompt itself, plus a short excerpt with the matched words
masked — enough to review refusals and to count daily generations, without keeping what people typed.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from sora_studio.core.appdirs import data_dir
from sora_studio.core.safety.verdict import Verdict
from sora_studio.errors import StudioError

SCHEMA_VERSION = 1
EXCERPT_CHARS = 60
MASK = "***"
KINDS = ("generation", "refusal")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    time_utc TEXT NOT NULL,
    day TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    profile_kind TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('generation', 'refusal')),
    category TEXT,
    source TEXT,
    prompt_sha256 TEXT NOT NULL,
    excerpt TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_profile_day ON events (profile_id, day, kind);
"""


@dataclass(frozen=True)
class AuditEvent:
    time_utc: str
    day: str
    profile_id: str
    profile_kind: str
    kind: str
    category: str | None
    source: str | None
    prompt_sha256: str
    excerpt: str


def prompt_hash(prompt: str) -> str:
    return hashlib.sha256(prompt.encode("utf-8")).hexdigest()


def redact(prompt: str, spans: Iterable[tuple[int, int]] = (), limit: int = EXCERPT_CHARS) -> str:
    """Mask the matched spans, squash whitespace and cut to `limit` characters."""
    out: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        if start < cursor:
            start = cursor
        out.append(prompt[cursor:start])
        if end > start:
            out.append(MASK)
        cursor = max(cursor, end)
    out.append(prompt[cursor:])
    text = " ".join("".join(out).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class AuditLog:
    """One SQLite file, reached through one connection per process (see `_shared_connection`).

    Opening SQLite and checking the schema on every check cost ~15 ms each (six times per storyboard run);
    the connection is now opened once per process and path, used under a lock (safe from any thread),
    and reopened when the file was moved aside or replaced. Every write still commits before returning.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else data_dir() / "safety_audit.sqlite3"
        with self._connect():
            pass  # opens (or reuses) the connection: a newer schema or a damaged file is reported here

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        shared = _shared_connection(self.path)
        with shared.lock:
            try:
                yield shared.conn
            except sqlite3.DatabaseError as exc:
                _drop_connection(self.path)
                raise StudioError(
                    f"the audit log {self.path} is damaged ({exc}); move it (with its -wal and -shm files) aside "
                    "and the studio starts a new one"
                ) from exc

    def _insert(self, conn: sqlite3.Connection, kind: str, profile_id: str, profile_kind: str, prompt: str,
                verdict: Verdict | None, when: datetime) -> AuditEvent:
        if kind not in KINDS:
            raise ValueError(f"unknown audit kind {kind!r}")
        when = when.astimezone(timezone.utc)
        spans = verdict.spans if verdict is not None else []
        event = AuditEvent(
            time_utc=when.isoformat(timespec="seconds"),
            day=when.date().isoformat(),
            profile_id=profile_id,
            profile_kind=profile_kind,
            kind=kind,
            category=verdict.category if verdict is not None and not verdict.allowed else None,
            source=verdict.source if verdict is not None and not verdict.allowed else None,
            prompt_sha256=prompt_hash(prompt),
            excerpt=redact(prompt, spans),
        )
        conn.execute(
            "INSERT INTO events (time_utc, day, profile_id, profile_kind, kind, category, source, prompt_sha256, "
            "excerpt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (event.time_utc, event.day, event.profile_id, event.profile_kind, event.kind, event.category,
             event.source, event.prompt_sha256, event.excerpt),
        )
        return event

    def record_refusal(
        self, profile_id: str, profile_kind: str, prompt: str, verdict: Verdict, when: datetime
    ) -> AuditEvent:
        with self._connect() as conn:
            return self._insert(conn, "refusal", profile_id, profile_kind, prompt, verdict, when)

    def record_generation_within(self, profile_id: str, profile_kind: str, prompt: str, daily_limit: int,
                                 when: datetime) -> AuditEvent | None:
        """Record a generation if the profile is under its daily limit; None (nothing written) otherwise.

        Count and insert run in one IMMEDIATE transaction, so two windows cannot both take the last slot.
        """
        day = when.astimezone(timezone.utc).date()
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                used = self._count(conn, profile_id, day)
                if used >= daily_limit:
                    conn.execute("ROLLBACK")
                    return None
                event = self._insert(conn, "generation", profile_id, profile_kind, prompt, None, when)
                conn.execute("COMMIT")
                return event
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @staticmethod
    def _count(conn: sqlite3.Connection, profile_id: str, day: date, kind: str = "generation") -> int:
        row = conn.execute(
            "SELECT COUNT(*) FROM events WHERE profile_id = ? AND day = ? AND kind = ?",
            (profile_id, day.isoformat(), kind),
        ).fetchone()
        return int(row[0])

    def count(self, profile_id: str, day: date, kind: str = "generation") -> int:
        with self._connect() as conn:
            return self._count(conn, profile_id, day, kind)

    def events(self, profile_id: str | None = None, limit: int = 100) -> list[AuditEvent]:
        """Newest first."""
        query = (
            "SELECT time_utc, day, profile_id, profile_kind, kind, category, source, prompt_sha256, excerpt"
            " FROM events"
        )
        args: tuple[object, ...] = ()
        if profile_id is not None:
            query += " WHERE profile_id = ?"
            args = (profile_id,)
        query += " ORDER BY id DESC LIMIT ?"
        with self._connect() as conn:
            return [AuditEvent(*row) for row in conn.execute(query, args + (limit,)).fetchall()]


# one connection per process and file -------------------------------------------------------------------------
@dataclass
class _Shared:
    conn: sqlite3.Connection
    lock: threading.RLock
    pid: int
    identity: tuple[int, int]  # (st_dev, st_ino) of the file it opened


_OPEN: dict[str, _Shared] = {}
_OPEN_LOCK = threading.Lock()
_MAX_OPEN = 4


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _shared_connection(path: Path) -> _Shared:
    """The process's connection to `path`, (re)opened when missing, from a parent process, or the file changed."""
    key = str(path.absolute())
    stale: list[_Shared] = []
    try:
        with _OPEN_LOCK:
            shared = _OPEN.get(key)
            if shared is not None and shared.pid == os.getpid() and shared.identity == _file_identity(path):
                _OPEN[key] = _OPEN.pop(key)  # most recently used last
                return shared
            if shared is not None:
                stale.append(_OPEN.pop(key))
            shared = _open(path)
            _OPEN[key] = shared
            while len(_OPEN) > _MAX_OPEN:  # keep only the most recent few (tests use many data folders)
                stale.append(_OPEN.pop(next(iter(_OPEN))))
            return shared
    finally:
        for old in stale:  # closed outside _OPEN_LOCK, once no thread is using it
            _close(old)


def _drop_connection(path: Path) -> None:
    with _OPEN_LOCK:
        shared = _OPEN.pop(str(path.absolute()), None)
    if shared is not None:
        _close(shared)


def _close(shared: _Shared) -> None:
    if shared.pid != os.getpid():  # never close a connection inherited over fork: the parent process owns it
        return
    with shared.lock:
        shared.conn.close()


def _open(path: Path) -> _Shared:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    except (sqlite3.Error, OSError) as exc:
        raise StudioError(f"cannot open the audit log {path}: {exc}") from exc
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StudioError(
                f"the audit log {path} was written by a newer Sora Studio (schema {version}); update the app"
            )
        if version < SCHEMA_VERSION:  # a new (or older) file: create the tables; an up-to-date file is not written
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        # write-ahead log with a full sync: a commit is one fsync of the log (~3 ms here) instead of three
        # with a rollback journal (~15 ms), and still durable when it returns
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StudioError(
            f"the audit log {path} is damaged ({exc}); move it (with its -wal and -shm files) aside and the "
            "studio starts a new one"
        ) from exc
    except BaseException:
        conn.close()
        raise
    identity = _file_identity(path)
    assert identity is not None  # sqlite created it
    return _Shared(conn, threading.RLock(), os.getpid(), identity)
