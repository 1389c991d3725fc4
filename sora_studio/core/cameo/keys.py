"""The cameo store's encryption key and the AES-GCM sealing every stored secret goes through.

Why the OS keyring first: a key beside the data protects nothing if the disk is copied. When no keyring
backend works (headless Linux, CI), the key falls back to a file readable only by the user (0600) and
the store records which one it used, so a later run that finds neither refuses to guess.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sora_studio.core.fsutil import atomic_write_text
from sora_studio.errors import StudioError

KEYRING_SERVICE = "sora-studio-cameos"
_MAGIC = b"SSC1"
KEY_FILE = "store.key"
MARKER_FILE = "keystore.json"


def _keyring_user(root: Path) -> str:
    return "store-key-" + hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]


def _keyring_get(user: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(KEYRING_SERVICE, user)
    except (KeyringError, RuntimeError):
        return None


def _keyring_set(user: str, value: str) -> bool:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, user, value)
        return keyring.get_password(KEYRING_SERVICE, user) == value
    except (KeyringError, RuntimeError):
        return False


def load_or_create_key(root: Path) -> tuple[bytes, str]:
    """The store's 256-bit key and where it lives ('keyring' or 'file'), creating it on first use."""
    root.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(root, 0o700)  # the registry holds consent records and sealed private keys
    marker = root / MARKER_FILE
    user = _keyring_user(root)
    if marker.exists():
        where = json.loads(marker.read_text(encoding="utf-8")).get("where")
        if where == "keyring":
            value = _keyring_get(user)
            if value is None:
                raise StudioError("the cameo store key is not in the OS keyring any more (keyring locked, reset or "
                                  "unavailable): unlock the keyring; without the key the store cannot be read")
            return bytes.fromhex(value), "keyring"
        path = root / KEY_FILE
        if not path.exists():
            raise StudioError(f"the cameo store key file {path} is missing: without it the store cannot be read")
        if os.name == "posix" and path.stat().st_mode & 0o077:
            raise StudioError(f"the cameo store key file {path} is readable by other users: run `chmod 600 {path}`")
        return bytes.fromhex(path.read_text(encoding="ascii").strip()), "file"
    key = secrets.token_bytes(32)
    if _keyring_set(user, key.hex()):
        where = "keyring"
    else:
        where = "file"
        path = root / KEY_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex())
        os.chmod(path, 0o600)
    atomic_write_text(marker, json.dumps({"where": where, "keyring_service": KEYRING_SERVICE, "keyring_user": user}))
    return key, where


def seal(key: bytes, data: bytes, context: str) -> bytes:
    """AES-256-GCM with a fresh nonce; `context` (e.g. cameo id + label) is bound as associated data."""
    nonce = secrets.token_bytes(12)
    return _MAGIC + nonce + AESGCM(key).encrypt(nonce, data, context.encode())


def unseal(key: bytes, blob: bytes, context: str) -> bytes:
    if not blob.startswith(_MAGIC) or len(blob) < 4 + 12 + 16:
        raise StudioError(f"stored item {context!r} is not a sealed cameo file (damaged store?)")
    try:
        return AESGCM(key).decrypt(blob[4:16], blob[16:], context.encode())
    except InvalidTag as exc:
        raise StudioError(f"cannot decrypt {context!r}: wrong store key or the file was altered") from exc
