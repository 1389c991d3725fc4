"""The cameo registry: one SQLite file for profiles, approvals, cameos (with consent records) and usage.

SQLite because several processes touch it (the editor, the CLI, the render worker that re-checks
permission right before rendering) and it gives atomic updates without a server.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS profiles (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, public_key TEXT NOT NULL,
    sealed_private_key BLOB, created TEXT NOT NULL, origin TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS approvals (owner TEXT NOT NULL, approved TEXT NOT NULL, PRIMARY KEY (owner, approved));
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cameos (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, owner TEXT NOT NULL, kind TEXT NOT NULL,
    mode TEXT NOT NULL DEFAULT 'only-me', revoked INTEGER NOT NULL DEFAULT 0, deleted_at TEXT,
    created TEXT NOT NULL, consent TEXT NOT NULL, consent_signature TEXT NOT NULL, media TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS usage (
    id INTEGER PRIMARY KEY AUTOINCREMENT, cameo_id TEXT NOT NULL, requester TEXT NOT NULL,
    job_id TEXT, clip TEXT, action TEXT NOT NULL, at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_by_cameo ON usage (cameo_id);
"""


def connect(root: Path) -> sqlite3.Connection:
    root.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(root / "registry.sqlite", timeout=10.0, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    return conn
