"""Which models are installed where, with licence acceptances: one JSON file in data_dir()."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sora_studio.core.appdirs import data_dir
from sora_studio.core.fsutil import atomic_write_text
from sora_studio.errors import StudioError


@dataclass
class InstalledModel:
    id: str
    path: str
    source: str  # "pull", "import" or "tiny"
    revision: str = ""
    size_bytes: int = 0
    installed_at: str = ""
    licence_accepted: dict | None = None  # {"licence": name, "at": ISO date}
    extra: dict = field(default_factory=dict)


def registry_path() -> Path:
    return data_dir() / "models" / "registry.json"


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class ModelRegistry:
    """Load-modify-save access to the registry file (saved atomically)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or registry_path()
        self.models: dict[str, InstalledModel] = {}
        if self.path.is_file():
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                for item in raw.get("models", {}).values():
                    self.models[item["id"]] = InstalledModel(**item)
            except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
                raise StudioError(
                    f"the model registry {self.path} is damaged ({exc}); move it aside and re-import your models"
                ) from exc

    def get(self, model_id: str) -> InstalledModel | None:
        entry = self.models.get(model_id)
        if entry is not None and not Path(entry.path).is_dir():
            return None  # the folder was deleted behind our back: treat as not installed
        return entry

    def put(self, entry: InstalledModel) -> None:
        if not entry.installed_at:
            entry.installed_at = now_iso()
        self.models[entry.id] = entry
        self.save()

    def remove(self, model_id: str) -> None:
        self.models.pop(model_id, None)
        self.save()

    def save(self) -> None:
        data = {"version": 1, "models": {k: asdict(v) for k, v in sorted(self.models.items())}}
        atomic_write_text(self.path, json.dumps(data, indent=2))
