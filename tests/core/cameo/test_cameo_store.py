"""The encrypted store: key in the keyring or a 0600 file, sealed media, signed consent, purge."""

from __future__ import annotations

import json
import stat

import pytest

from sora_studio.core.appdirs import data_dir
from sora_studio.core.cameo.keys import KEYRING_SERVICE, seal, unseal
from sora_studio.core.cameo.store import CameoStore
from sora_studio.errors import BadInput, Refused, StudioError


def test_without_a_keyring_the_key_falls_back_to_a_private_file(studio):
    root = studio.store.root
    assert studio.store.key_location == "file"
    key_file = root / "store.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert json.loads((root / "keystore.json").read_text())["where"] == "file"


def test_with_a_working_keyring_the_key_lives_there(memory_keyring):
    with CameoStore() as store:
        assert store.key_location == "keyring"
        assert not (store.root / "store.key").exists()
        assert any(service == KEYRING_SERVICE for service, _ in memory_keyring.secrets)
        alice = store.profiles.create("Alice")
        store.add(alice, "kr", "person", {"capture": "recorded"}, {"front": b"\x89PNG face"})
    with CameoStore() as store:  # reopens with the key from the keyring
        assert store.read_media(store.require("kr"), "front") == b"\x89PNG face"
    memory_keyring.secrets.clear()  # keyring reset: the store must refuse, not make a new key
    with pytest.raises(StudioError, match="not in the OS keyring"):
        CameoStore()


def test_media_is_unreadable_without_the_key(studio):
    sealed = (studio.store.root / "media" / studio.cameo.id / "front.sealed").read_bytes()
    assert b"PNG" not in sealed and b"IHDR" not in sealed
    assert studio.store.read_media(studio.cameo, "front").startswith(b"\x89PNG")
    with pytest.raises(StudioError, match="wrong store key"):
        unseal(b"\x01" * 32, sealed, f"{studio.cameo.id}/front")
    with pytest.raises(StudioError, match="wrong store key"):  # moved to another cameo's name: refused
        unseal(studio.store.key, sealed, f"{studio.cameo.id}/left")
    studio.store.close()
    (data_dir() / "cameos" / "store.key").unlink()
    with pytest.raises(StudioError, match="key file .* is missing"):
        CameoStore()


def test_key_file_readable_by_others_is_refused(studio):
    studio.store.close()
    key_file = data_dir() / "cameos" / "store.key"
    key_file.chmod(0o644)
    with pytest.raises(StudioError, match="chmod 600"):
        CameoStore()


def test_tampered_consent_record_is_detected(studio):
    store, cameo = studio.store, studio.cameo
    store.verify_consent(cameo)  # untouched: fine
    consent = dict(cameo.consent, capture="live")  # claim a live enrollment after the fact
    store.conn.execute("UPDATE cameos SET consent = ? WHERE id = ?", (json.dumps(consent), cameo.id))
    with pytest.raises(Refused, match="altered"):
        store.verify_consent(store.require("alice"))


def test_mangled_consent_row_is_refused_not_a_crash(studio):
    studio.store.conn.execute("UPDATE cameos SET consent = '{broken' WHERE id = ?", (studio.cameo.id,))
    with pytest.raises(Refused, match="altered"):
        studio.store.verify_consent(studio.store.require("alice"))


def test_consent_record_is_moved_to_another_owner_is_detected(studio):
    store, cameo = studio.store, studio.cameo
    store.conn.execute("UPDATE cameos SET owner = ? WHERE id = ?", (studio.bob.id, cameo.id))
    with pytest.raises(Refused):
        store.verify_consent(store.require("alice"))


def test_swapped_media_file_is_detected(studio):
    store, cameo = studio.store, studio.cameo
    path = store.root / "media" / cameo.id / "front.sealed"
    path.write_bytes(seal(store.key, b"\x89PNG someone else", f"{cameo.id}/front"))
    with pytest.raises(Refused, match="does not match its consent record"):
        store.read_media(cameo, "front")


def test_consent_record_content(studio):
    consent = studio.cameo.consent
    assert consent["owner_id"] == studio.alice.id and consent["capture"] == "recorded"
    assert consent["software"].startswith("sora-studio ")
    assert set(consent["media_sha256"]) == {"front", "left", "voice"}


def test_names_and_duplicates(studio):
    with pytest.raises(BadInput):
        studio.store.add(studio.alice, "../evil", "person", {}, {})
    with pytest.raises(BadInput, match="already exists"):
        studio.store.add(studio.alice, "alice", "person", {}, {})


def test_purge_removes_media_and_keeps_a_tombstone(studio):
    store, cameo = studio.store, studio.cameo
    folder = store.root / "media" / cameo.id
    removed = store.purge(cameo)
    assert len(removed) == 3 and not folder.exists()
    tomb = store.find(cameo.id)
    assert tomb.deleted and tomb.media == [] and tomb.consent["cameo_name"] == "alice"
    store.verify_consent(tomb)  # the signed record survives the media
    assert store.list() == [] and len(store.list(include_deleted=True)) == 1
