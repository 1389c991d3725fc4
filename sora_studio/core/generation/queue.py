"""The job queue: a SQLite file of generation jobs that survives restarts.

States: queued -> running -> done | failed | cancelled. On open, a job left 'running' (the studio crashed
or was killed mid-job) becomes 'failed' with a message saying so: re-running it automatically could crash
again (out of memory, driver fault), so the user decides with retry().
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sora_studio.core.appdirs import data_dir
from sora_studio.core.events import Signal
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.errors import BadInput

STATES = ("queued", "running", "done", "failed", "cancelled")
FINAL_STATES = ("done", "failed", "cancelled")
INTERRUPTED = "interrupted: the studio stopped while this job was running; retry it"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    position REAL NOT NULL,
    state TEXT NOT NULL,
    request TEXT NOT NULL,
    output TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    result TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class Job:
    id: str
    position: float
    state: str
    request: GenerationRequest
    output: str
    created: float
    updated: float
    result: dict | None
    error: dict | None
    attempts: int


class JobQueue:
    """Thread-safe queue over one SQLite file; `changed` fires (job_id or None) after every change."""

    def __init__(self, path: str | Path | None = None, outputs_dir: str | Path | None = None) -> None:
        self.path = Path(path) if path else data_dir() / "jobs.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.outputs_dir = Path(outputs_dir) if outputs_dir else self.path.parent / "renders"
        self.changed = Signal()
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"the job queue {self.path} is damaged ({exc}); move it aside to start a new one") from exc
        self._db.execute(
            "UPDATE jobs SET state='failed', error=?, updated=? WHERE state='running'",
            (json.dumps({"kind": "crashed", "message": INTERRUPTED}), time.time()),
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # adding -------------------------------------------------------------------------------------------------
    def add(self, request: GenerationRequest, variations: int = 1, output: str | None = None) -> list[str]:
        """Queue `variations` jobs (1, 2 or 4) with seeds seed, seed+1, ...; returns their ids."""
        if variations not in (1, 2, 4):
            raise BadInput(f"variations must be 1, 2 or 4, not {variations}")
        base = request.seed if request.seed is not None else int.from_bytes(uuid.uuid4().bytes[:4], "big") >> 1
        ids = []
        with self._lock:
            for n in range(variations):
                req = GenerationRequest.from_dict({**request.to_dict(), "seed": base + n})
                job_id = uuid.uuid4().hex[:12]
                out = output if (output and variations == 1) else str(self.outputs_dir / f"{job_id}.mp4")
                now = time.time()
                self._db.execute(
                    "INSERT INTO jobs (id, position, state, request, output, created, updated) VALUES (?,?,?,?,?,?,?)",
                    (job_id, self._next_position(), "queued", json.dumps(req.to_dict()), out, now, now),
                )
                ids.append(job_id)
        self.changed.emit(None)
        return ids

    def duplicate(self, job_id: str, seed: int | None = None) -> str:
        """A new queued copy of a job with a new seed (default: the old seed + 1)."""
        job = self.get(job_id)
        new_seed = seed if seed is not None else (job.request.seed or 0) + 1
        return self.add(GenerationRequest.from_dict({**job.request.to_dict(), "seed": new_seed}))[0]

    # state changes ------------------------------------------------------------------------------------------
    def next_queued(self) -> Job | None:
        """The first queued job, or None when empty or paused."""
        if self.paused:
            return None
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE state='queued' ORDER BY position LIMIT 1").fetchone()
        return _job(row) if row else None

    def mark_running(self, job_id: str) -> None:
        self._set(job_id, "running", expect=("queued",), attempts=True)

    def mark_done(self, job_id: str, result: dict) -> None:
        self._set(job_id, "done", expect=("running",), result=result)

    def mark_failed(self, job_id: str, error: dict) -> None:
        state = "cancelled" if error.get("kind") == "cancelled" else "failed"
        self._set(job_id, state, expect=("running", "queued"), error=error)

    def cancel(self, job_id: str) -> None:
        """Cancel a queued job here; a running job is cancelled through the engine (then mark_failed)."""
        self._set(job_id, "cancelled", expect=("queued",), error={"kind": "cancelled", "message": "cancelled"})

    def retry(self, job_id: str) -> None:
        """Put a failed or cancelled job back at the end of the queue."""
        with self._lock:
            self._set(job_id, "queued", expect=("failed", "cancelled"), clear=True)
            self._db.execute("UPDATE jobs SET position=? WHERE id=?", (self._next_position(), job_id))
        self.changed.emit(job_id)

    def remove(self, job_id: str) -> None:
        job = self.get(job_id)
        if job.state == "running":
            raise BadInput("cannot remove a running job; cancel it first")
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE id=?", (job_id,))
        self.changed.emit(job_id)

    def move(self, job_id: str, index: int) -> None:
        """Reorder: put a queued job at `index` among the queued jobs (0 = next)."""
        with self._lock:
            job = self.get(job_id)
            if job.state != "queued":
                raise BadInput("only queued jobs can be reordered")
            others = [j for j in self.list("queued") if j.id != job_id]
            index = max(0, min(index, len(others)))
            order = others[:index] + [job] + others[index:]
            # queued jobs take the slots the queued jobs held, in the new order (finished jobs keep theirs)
            slots = sorted(j.position for j in order)
            for slot, item in zip(slots, order):
                self._db.execute("UPDATE jobs SET position=? WHERE id=?", (slot, item.id))
        self.changed.emit(job_id)

    # pause ---------------------------------------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='paused'").fetchone()
        return bool(row and row[0] == "1")

    def pause(self) -> None:
        self._meta("paused", "1")

    def resume(self) -> None:
        self._meta("paused", "0")

    # reading -------------------------------------------------------------------------------------------------
    def get(self, job_id: str) -> Job:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None:
            raise BadInput(f"no job {job_id!r} in the queue")
        return _job(row)

    def list(self, state: str | None = None) -> list[Job]:
        with self._lock:
            if state:
                rows = self._db.execute("SELECT * FROM jobs WHERE state=? ORDER BY position", (state,)).fetchall()
            else:
                rows = self._db.execute("SELECT * FROM jobs ORDER BY position").fetchall()
        return [_job(r) for r in rows]

    # internals -----------------------------------------------------------------------------------------------
    def _next_position(self) -> float:
        row = self._db.execute("SELECT MAX(position) FROM jobs").fetchone()
        return (row[0] if row and row[0] is not None else -1.0) + 1.0

    def _set(self, job_id: str, state: str, expect: tuple[str, ...], result: dict | None = None,
             error: dict | None = None, attempts: bool = False, clear: bool = False) -> None:
        with self._lock:
            current = self.get(job_id).state
            if current not in expect:
                raise BadInput(f"job {job_id} is {current}; it cannot become {state}")
            self._db.execute(
                "UPDATE jobs SET state=?, updated=?, result=COALESCE(?, CASE WHEN ? THEN NULL ELSE result END),"
                " error=COALESCE(?, CASE WHEN ? THEN NULL ELSE error END), attempts=attempts+? WHERE id=?",
                (state, time.time(), json.dumps(result) if result is not None else None, clear,
                 json.dumps(error) if error is not None else None, clear, 1 if attempts else 0, job_id),
            )
        self.changed.emit(job_id)

    def _meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
        self.changed.emit(None)


def _job(row: tuple) -> Job:
    job_id, position, state, request, output, created, updated, result, error, attempts = row
    return Job(job_id, position, state, GenerationRequest.from_dict(json.loads(request)), output, created, updated,
               json.loads(result) if result else None, json.loads(error) if error else None, attempts)
