"""The encrypted cameo store: enrollment media sealed at rest, consent records signed by their owner.

Layout under appdirs.data_dir()/cameos: registry.sqlite (profiles, cameos, consent records, usage),
media/<cameo id>/<label>.sealed (AES-GCM, see keys.py), keystore.json (where the key lives) and, only
when no keyring works, store.key (0600). Deleting a cameo purges its media and keeps the signed consent
record as a tombstone, so "who consented to what, when" survives the media.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sora_studio import __version__
from sora_studio.core.appdirs import data_dir
from sora_studio.core.cameo.db import connect
from sora_studio.core.cameo.keys import load_or_create_key, seal, unseal
from sora_studio.core.cameo.profiles import Profile, ProfileBook, canonical, verify_signature
from sora_studio.core.fsutil import atomic_write_bytes
from sora_studio.errors import BadInput, Refused, StudioError

CAMEO_KINDS = ("person", "pet", "object")
CONSENT_FORMAT = "sora-studio-consent"
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")


@dataclass
class Cameo:
    id: str
    name: str
    owner: str
    kind: str
    mode: str
    revoked: bool
    deleted_at: str | None
    created: str
    consent: dict
    consent_signature: str
    media: list[str] = field(default_factory=list)

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "owner": self.owner, "kind": self.kind, "mode": self.mode,
                "revoked": self.revoked, "deleted_at": self.deleted_at, "created": self.created,
                "media": self.media, "capture": self.consent.get("capture")}


def check_cameo_name(name: str) -> str:
    name = name.strip().lower()
    if not name or len(name) > 40 or not set(name) <= _NAME_CHARS or name[0] in "-.":
        raise BadInput(f"cameo name {name!r} must be 1-40 characters of a-z, 0-9, '-', '_' or '.'")
    return name


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _json(text: str, default: object) -> object:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default  # a mangled row: the consent signature check then refuses the cameo


def _cameo(row: sqlite3.Row) -> Cameo:
    return Cameo(row["id"], row["name"], row["owner"], row["kind"], row["mode"], bool(row["revoked"]),
                 row["deleted_at"], row["created"], _json(row["consent"], {}), row["consent_signature"],
                 _json(row["media"], []))


class CameoStore:
    """Open (or create) the store under `root` (default: the user's data dir)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else data_dir() / "cameos"
        self.key, self.key_location = load_or_create_key(self.root)
        self.conn = connect(self.root)
        self.profiles = ProfileBook(self.conn, self.key)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> CameoStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # writing -----------------------------------------------------------------------------------
    def add(self, owner: Profile, name: str, kind: str, consent_facts: dict, media: dict[str, bytes]) -> Cameo:
        """Seal the media, write and sign the consent record, register the cameo (mode: only me)."""
        name = check_cameo_name(name)
        if kind not in CAMEO_KINDS:
            raise BadInput(f"cameo kind must be one of {', '.join(CAMEO_KINDS)}")
        if not owner.is_local:
            raise Refused("only a profile created on this machine can enroll (imported profiles have no key here)")
        if self.conn.execute("SELECT 1 FROM cameos WHERE name = ?", (name,)).fetchone():
            raise BadInput(f"a cameo named {name!r} already exists (delete it first or pick another name)")
        cameo_id = secrets.token_hex(8)
        folder = self.root / "media" / cameo_id
        consent = {
            "format": CONSENT_FORMAT, "version": 1, "cameo_id": cameo_id, "cameo_name": name, "kind": kind,
            "owner_id": owner.id, "owner_name": owner.name, "owner_kind": owner.kind,
            "owner_public_key": owner.public_key, "enrolled_at": _now(), "software": f"sora-studio {__version__}",
            "media_sha256": {label: hashlib.sha256(data).hexdigest() for label, data in media.items()},
            **consent_facts,
        }
        signature = self.profiles.sign(owner.id, canonical(consent))
        try:
            for label, data in media.items():
                atomic_write_bytes(folder / f"{label}.sealed", seal(self.key, data, f"{cameo_id}/{label}"))
            self.conn.execute(
                "INSERT INTO cameos (id, name, owner, kind, created, consent, consent_signature, media) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (cameo_id, name, owner.id, kind, consent["enrolled_at"], json.dumps(consent), signature,
                 json.dumps(sorted(media))),
            )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return self.require(name)

    def update(self, cameo: Cameo, **fields: object) -> None:
        allowed = {"mode", "revoked"}
        if not set(fields) <= allowed:
            raise ValueError(f"only {allowed} can change")
        for column, value in fields.items():
            self.conn.execute(f"UPDATE cameos SET {column} = ? WHERE id = ?", (value, cameo.id))  # noqa: S608

    def purge(self, cameo: Cameo) -> list[str]:
        """Remove the enrollment media for good; the consent record stays as a tombstone."""
        folder = self.root / "media" / cameo.id
        removed = sorted(str(p) for p in folder.glob("*")) if folder.exists() else []
        shutil.rmtree(folder, ignore_errors=True)
        self.conn.execute("UPDATE cameos SET deleted_at = ?, revoked = 1, media = '[]', name = ? WHERE id = ?",
                          (_now(), f"deleted-{cameo.id}", cameo.id))
        return removed

    # reading -----------------------------------------------------------------------------------
    def list(self, owner_id: str | None = None, include_deleted: bool = False) -> list[Cameo]:
        rows = [_cameo(r) for r in self.conn.execute("SELECT * FROM cameos ORDER BY created, name")]
        return [c for c in rows if (owner_id is None or c.owner == owner_id) and (include_deleted or not c.deleted)]

    def find(self, ref: str) -> Cameo | None:
        row = self.conn.execute("SELECT * FROM cameos WHERE name = ? OR id = ?", (ref.strip().lower(), ref)).fetchone()
        return _cameo(row) if row else None

    def require(self, ref: str) -> Cameo:
        cameo = self.find(ref)
        if cameo is None or cameo.deleted:
            raise Refused(f"unknown cameo {ref!r}: see `sora-studio cameo list`")
        return cameo

    def verify_consent(self, cameo: Cameo) -> None:
        """Refuse a cameo whose consent record or registry row was altered after the owner signed it."""
        consent = cameo.consent
        owner = self.profiles.get(cameo.owner)
        ok = (owner is not None and consent.get("owner_public_key") == owner.public_key
              and consent.get("cameo_id") == cameo.id and consent.get("owner_id") == cameo.owner
              and verify_signature(owner.public_key, canonical(consent), cameo.consent_signature))
        if not ok:
            raise Refused(f"the consent record of cameo {cameo.name!r} does not match its owner's signature "
                          "(it was altered): the cameo cannot be used; ask its owner to enroll again")

    def read_media(self, cameo: Cameo, label: str) -> bytes:
        if label not in cameo.media:
            raise StudioError(f"cameo {cameo.name!r} has no {label!r} media")
        path = self.root / "media" / cameo.id / f"{label}.sealed"
        try:
            data = unseal(self.key, path.read_bytes(), f"{cameo.id}/{label}")
        except FileNotFoundError:
            raise StudioError(f"the {label} media of cameo {cameo.name!r} is missing from the store") from None
        expected = cameo.consent.get("media_sha256", {}).get(label)
        if expected != hashlib.sha256(data).hexdigest():
            raise Refused(f"the {label} media of cameo {cameo.name!r} does not match its consent record")
        return data
