"""User profiles: who owns a cameo, whom they approve, and signed profile cards for sharing.

Each local profile has an Ed25519 key pair (the private key sealed with the store key); it signs its
consent records and its profile card. A card (JSON: name, kind, public key, signature) lets a studio
import other people's profiles so they can be approved; the signature proves the card was made by the
holder of the key and was not edited. Mutuals are two profiles that approved each other.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sora_studio.core.cameo.keys import seal, unseal
from sora_studio.core.fsutil import atomic_write_text
from sora_studio.errors import BadInput, Refused

KINDS = ("adult", "minor")
CARD_FORMAT = "sora-studio-profile-card"


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    kind: str
    public_key: str  # base64 raw Ed25519
    created: str
    origin: str  # 'local' (key pair here) or 'card' (imported public key)

    @property
    def is_local(self) -> bool:
        return self.origin == "local"

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "public_key": self.public_key,
                "created": self.created, "origin": self.origin}


def profile_id_for(public_key_raw: bytes) -> str:
    return hashlib.sha256(public_key_raw).hexdigest()[:16]


def canonical(data: dict) -> bytes:
    """The exact bytes that get signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def verify_signature(public_key_b64: str, data: bytes, signature_b64: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        key.verify(base64.b64decode(signature_b64, validate=True), data)
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _profile(row: sqlite3.Row) -> Profile:
    return Profile(row["id"], row["name"], row["kind"], row["public_key"], row["created"], row["origin"])


class ProfileBook:
    """Profiles in the registry database; private keys sealed with the store key."""

    def __init__(self, conn: sqlite3.Connection, store_key: bytes) -> None:
        self._conn = conn
        self._key = store_key

    def create(self, name: str, kind: str = "adult") -> Profile:
        name = name.strip()
        if not name or len(name) > 80:
            raise BadInput("a profile name must be 1-80 characters")
        if kind not in KINDS:
            raise BadInput(f"profile kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if self.find(name, local_only=True) is not None:
            raise BadInput(f"a local profile named {name!r} already exists")
        private = Ed25519PrivateKey.generate()
        raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        raw_private = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                            serialization.NoEncryption())
        pid = profile_id_for(raw_public)
        profile = Profile(pid, name, kind, base64.b64encode(raw_public).decode(), _now(), "local")
        self._conn.execute(
            "INSERT INTO profiles VALUES (?,?,?,?,?,?,?)",
            (pid, name, kind, profile.public_key, seal(self._key, raw_private, f"profile:{pid}"), profile.created, "local"),
        )
        if self.active() is None:
            self.set_active(pid)
        return profile

    def list(self) -> list[Profile]:
        return [_profile(r) for r in self._conn.execute("SELECT * FROM profiles ORDER BY created, name")]

    def get(self, profile_id: str) -> Profile | None:
        row = self._conn.execute("SELECT * FROM profiles WHERE id = ?", (profile_id,)).fetchone()
        return _profile(row) if row else None

    def find(self, ref: str, local_only: bool = False) -> Profile | None:
        """A profile by id or (unique) name."""
        found = self.get(ref)
        if found and (found.is_local or not local_only):
            return found
        rows = [_profile(r) for r in self._conn.execute("SELECT * FROM profiles WHERE name = ?", (ref,))]
        rows = [p for p in rows if p.is_local or not local_only]
        if len(rows) > 1:
            raise BadInput(f"several profiles are named {ref!r}; use the profile id instead")
        return rows[0] if rows else None

    def require(self, ref: str, local_only: bool = False) -> Profile:
        found = self.find(ref, local_only)
        if found is None:
            what = "local profile" if local_only else "profile"
            raise BadInput(f"no {what} {ref!r}: see `sora-studio cameo profile list`")
        return found

    def set_active(self, profile_id: str) -> None:
        self.require(profile_id, local_only=True)
        self._conn.execute("INSERT OR REPLACE INTO settings VALUES ('active_profile', ?)", (profile_id,))

    def active(self) -> Profile | None:
        row = self._conn.execute("SELECT value FROM settings WHERE key = 'active_profile'").fetchone()
        return self.get(row["value"]) if row else None

    def sign(self, profile_id: str, data: bytes) -> str:
        row = self._conn.execute("SELECT sealed_private_key FROM profiles WHERE id = ?", (profile_id,)).fetchone()
        if row is None or row["sealed_private_key"] is None:
            raise Refused(f"profile {profile_id} has no private key on this machine, so it cannot sign")
        private = Ed25519PrivateKey.from_private_bytes(unseal(self._key, row["sealed_private_key"], f"profile:{profile_id}"))
        return base64.b64encode(private.sign(data)).decode()

    # approvals ---------------------------------------------------------------------------------
    def approve(self, owner_id: str, other_id: str) -> None:
        if owner_id == other_id:
            return
        self._conn.execute("INSERT OR IGNORE INTO approvals VALUES (?, ?)", (owner_id, other_id))

    def unapprove(self, owner_id: str, other_id: str) -> None:
        self._conn.execute("DELETE FROM approvals WHERE owner = ? AND approved = ?", (owner_id, other_id))

    def approved_by(self, owner_id: str) -> set[str]:
        return {r["approved"] for r in self._conn.execute("SELECT approved FROM approvals WHERE owner = ?", (owner_id,))}

    def are_mutuals(self, a: str, b: str) -> bool:
        return b in self.approved_by(a) and a in self.approved_by(b)

    # cards -------------------------------------------------------------------------------------
    def export_card(self, profile_id: str, path: Path) -> dict:
        profile = self.require(profile_id, local_only=True)
        body = {"format": CARD_FORMAT, "version": 1, "name": profile.name, "kind": profile.kind,
                "public_key": profile.public_key, "created": profile.created}
        card = dict(body, signature=self.sign(profile.id, canonical(body)))
        atomic_write_text(path, json.dumps(card, indent=2) + "\n")
        return card

    def import_card(self, path: Path) -> Profile:
        try:
            card = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BadInput(f"profile card not found: {path}") from None
        except (OSError, ValueError) as exc:
            raise BadInput(f"{path} is not a profile card (invalid JSON: {exc})") from exc
        if not isinstance(card, dict) or card.get("format") != CARD_FORMAT or card.get("version") != 1:
            raise BadInput(f"{path} is not a Sora Studio profile card (version 1)")
        fields = ("name", "kind", "public_key", "created", "signature")
        if any(not isinstance(card.get(f), str) for f in fields) or card["kind"] not in KINDS:
            raise BadInput(f"the profile card {path} is incomplete or malformed")
        body = {k: v for k, v in card.items() if k != "signature"}
        if not verify_signature(card["public_key"], canonical(body), card["signature"]):
            raise Refused(f"the profile card {path} has a bad signature: it was edited or not made by that key's owner")
        pid = profile_id_for(base64.b64decode(card["public_key"]))
        existing = self.get(pid)
        if existing is not None:
            return existing
        name = card["name"].strip()[:80] or "unnamed"
        self._conn.execute("INSERT INTO profiles VALUES (?,?,?,?,?,?,?)",
                           (pid, name, card["kind"], card["public_key"], None, card["created"], "card"))
        return self.require(pid)
