"""The generation ledger: every generated clip and every export this install made, in SQLite.

A record holds the trace-mark id, the recipe, the file's SHA-256 and perceptual fingerprints, so `verify`
can trace a file to this studio by its mark, its exact bytes or its look - even when C2PA was stripped.
Each record is also appended to a JSON-lines journal beside the database; a corrupt database is moved
aside (kept as a backup) and rebuilt from the journal.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sora_studio.core.appdirs import data_dir
from sora_studio.core.provenance.fingerprint import match_score

log = logging.getLogger("sora_studio.provenance")

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created REAL NOT NULL,
    mark_id TEXT,
    sha256 TEXT,
    path TEXT,
    recipe TEXT NOT NULL,
    parents TEXT NOT NULL,
    signed INTEGER,
    fingerprints BLOB
);
CREATE INDEX IF NOT EXISTS records_mark ON records(mark_id);
CREATE INDEX IF NOT EXISTS records_sha ON records(sha256);
"""
_COLUMNS = ("id", "kind", "created", "mark_id", "sha256", "path", "recipe", "parents", "signed", "fingerprints")


@dataclass
class LedgerRecord:
    id: str
    kind: str  # "generation" or "export"
    created: float
    mark_id: str | None  # 16 hex digits
    sha256: str | None
    path: str | None
    recipe: dict[str, Any]
    parents: list[str] = field(default_factory=list)
    signed: bool | None = None
    fingerprints: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.created))
        return {"id": self.id, "kind": self.kind, "created": created,
                "mark_id": self.mark_id, "sha256": self.sha256, "path": self.path, "recipe": self.recipe,
                "parents": self.parents, "signed": self.signed, "fingerprint_samples": len(self.fingerprints)}


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def format_mark_id(mark_id: int | str | None) -> str | None:
    if mark_id is None:
        return None
    return f"{mark_id:016x}" if isinstance(mark_id, int) else mark_id.lower()


class Ledger:
    """Open (creating, or recovering when corrupt) the ledger at data_dir()/provenance/ledger.sqlite3."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path else data_dir() / "provenance" / "ledger.sqlite3"
        self.journal = self.path.with_suffix(".journal.jsonl")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.recovered_from: Path | None = None  # the backup made when a corrupt ledger was rebuilt
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = None
        try:
            db = sqlite3.connect(self.path, timeout=10)
            problem = db.execute("PRAGMA quick_check").fetchone()[0]
            if problem != "ok":
                raise sqlite3.DatabaseError(problem)
            db.executescript(SCHEMA)
            missing = set(_COLUMNS) - {row[1] for row in db.execute("PRAGMA table_info(records)")}
            if missing:
                raise sqlite3.DatabaseError(f"records table lacks {sorted(missing)}")
            return db
        except sqlite3.DatabaseError as exc:
            if db is not None:
                db.close()
            return self._rebuild(str(exc))

    def _rebuild(self, why: str) -> sqlite3.Connection:
        backup = self.path.with_name(f"{self.path.stem}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}{self.path.suffix}")
        os.replace(self.path, backup)
        self.recovered_from = backup
        db = sqlite3.connect(self.path, timeout=10)
        db.executescript(SCHEMA)
        replayed = 0
        if self.journal.exists():
            for line in self.journal.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    self._insert(db, _record_from_json(json.loads(line)))
                    replayed += 1
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line from a crash: skip it
        db.commit()
        log.warning("the provenance ledger was corrupt (%s); kept it as %s and rebuilt %d records from %s",
                    why, backup.name, replayed, self.journal.name)
        return db

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def new_mark_id(self) -> int:
        """A random 64-bit trace-mark id not used before in this ledger."""
        while True:
            candidate = secrets.randbits(64)
            if self.by_mark(candidate) is None:
                return candidate

    def add(self, kind: str, recipe: dict[str, Any], *, mark_id: int | str | None = None,
            path: str | os.PathLike[str] | None = None, sha256: str | None = None,
            fingerprints: list[int] | None = None, parents: list[str] | None = None,
            signed: bool | None = None) -> LedgerRecord:
        record = LedgerRecord(id=secrets.token_hex(8), kind=kind, created=time.time(),
                              mark_id=format_mark_id(mark_id), sha256=sha256, path=str(path) if path else None,
                              recipe=recipe, parents=list(parents or []), signed=signed,
                              fingerprints=[int(h) for h in fingerprints or []])
        line = json.dumps(_record_to_json(record), default=str)
        with open(self.journal, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self._insert(self._db, record)
        self._db.commit()
        return record

    @staticmethod
    def _insert(db: sqlite3.Connection, r: LedgerRecord) -> None:
        blob = np.array(r.fingerprints, dtype=np.uint64).tobytes()
        db.execute("INSERT OR REPLACE INTO records VALUES (?,?,?,?,?,?,?,?,?,?)",
                   (r.id, r.kind, r.created, r.mark_id, r.sha256, r.path, json.dumps(r.recipe, default=str),
                    json.dumps(r.parents), None if r.signed is None else int(r.signed), blob))

    def _rows(self, where: str = "", args: tuple = ()) -> list[LedgerRecord]:
        cur = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM records {where} ORDER BY created", args)
        return [_record_from_row(row) for row in cur.fetchall()]

    def get(self, record_id: str) -> LedgerRecord | None:
        rows = self._rows("WHERE id = ?", (record_id,))
        return rows[0] if rows else None

    def by_mark(self, mark_id: int | str) -> LedgerRecord | None:
        rows = self._rows("WHERE mark_id = ?", (format_mark_id(mark_id),))
        return rows[0] if rows else None  # the generation (oldest) that introduced the id

    def by_sha256(self, sha256: str) -> LedgerRecord | None:
        rows = self._rows("WHERE sha256 = ?", (sha256,))
        return rows[-1] if rows else None

    def by_fingerprints(self, query: list[int], min_score: float = 0.6) -> tuple[LedgerRecord, float] | None:
        best: tuple[LedgerRecord, float] | None = None
        for record in self._rows("WHERE length(fingerprints) > 0"):
            score = match_score(query, record.fingerprints)
            if score >= min_score and (best is None or score > best[1]):
                best = (record, score)
        return best

    def mark_ids(self) -> np.ndarray:
        """Every trace-mark id this install issued (uint64): the detector's ledger-assisted candidates."""
        rows = self._db.execute("SELECT DISTINCT mark_id FROM records WHERE mark_id IS NOT NULL").fetchall()
        return np.array([int(r[0], 16) for r in rows], dtype=np.uint64)

    def all(self) -> list[LedgerRecord]:
        return self._rows()


def _record_to_json(r: LedgerRecord) -> dict[str, Any]:
    data = {name: getattr(r, name) for name in _COLUMNS}
    data["fingerprints"] = [f"{h:016x}" for h in r.fingerprints]
    return data


def _record_from_json(d: dict[str, Any]) -> LedgerRecord:
    return LedgerRecord(d["id"], d["kind"], float(d["created"]), d.get("mark_id"), d.get("sha256"), d.get("path"),
                        dict(d.get("recipe") or {}), list(d.get("parents") or []), d.get("signed"),
                        [int(h, 16) for h in d.get("fingerprints") or []])


def _record_from_row(row: tuple) -> LedgerRecord:
    fp = np.frombuffer(row[9], dtype=np.uint64).tolist() if row[9] else []
    return LedgerRecord(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]), json.loads(row[7]),
                        None if row[8] is None else bool(row[8]), [int(h) for h in fp])
