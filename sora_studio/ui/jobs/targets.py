"""Which timeline clip a queued job was generated for ("Generate take for selected clip").

Kept in a small JSON file beside the job queue, so a take job that finishes after a restart of the studio
still becomes a take of its clip. Each entry names the project too: a clip id from another project is
never touched.
"""

from __future__ import annotations

import json
from pathlib import Path

from sora_studio.core.fsutil import atomic_write_text


class TakeTargets:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, dict[str, str]] = {}
        if path is not None and path.is_file():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                self.entries = {str(k): {"clip_id": str(v["clip_id"]), "project": str(v.get("project", ""))}
                                for k, v in raw.items()}
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self.entries = {}  # a damaged file only loses take targets, never jobs or media

    def get(self, job_id: str, project: str) -> str | None:
        """The clip id for `job_id` if it was made for a clip of `project` (its bundle path)."""
        entry = self.entries.get(job_id)
        if entry is None or entry["project"] != project:
            return None
        return entry["clip_id"]

    def __contains__(self, job_id: str) -> bool:
        return job_id in self.entries

    def set(self, job_id: str, clip_id: str, project: str) -> None:
        self.entries[job_id] = {"clip_id": clip_id, "project": project}
        self._save()

    def copy(self, old_id: str, new_id: str) -> None:
        if old_id in self.entries:
            self.entries[new_id] = dict(self.entries[old_id])
            self._save()

    def forget(self, job_id: str) -> None:
        if self.entries.pop(job_id, None) is not None:
            self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            atomic_write_text(self.path, json.dumps(self.entries, indent=1, sort_keys=True))
        except OSError:
            pass  # best effort: the take can still be added by hand from the media bin
