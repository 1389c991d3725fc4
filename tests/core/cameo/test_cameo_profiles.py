"""Profiles with key pairs, signed profile cards, approvals and mutuals."""

from __future__ import annotations

import json

import pytest

from sora_studio.core.cameo.store import CameoStore
from sora_studio.errors import BadInput, Refused


def test_card_round_trip_between_two_studios(tmp_path, monkeypatch):
    with CameoStore(tmp_path / "studio-a") as a:
        dana = a.profiles.create("Dana")
        a.profiles.export_card(dana.id, tmp_path / "dana.card.json")
    with CameoStore(tmp_path / "studio-b") as b:
        imported = b.profiles.import_card(tmp_path / "dana.card.json")
        assert imported.id == dana.id and imported.public_key == dana.public_key
        assert not imported.is_local
        assert b.profiles.import_card(tmp_path / "dana.card.json").id == dana.id  # idempotent
        with pytest.raises(Refused, match="no private key"):
            b.profiles.sign(imported.id, b"x")


def test_edited_card_is_refused(tmp_path, studio):
    path = tmp_path / "bob.json"
    studio.store.profiles.export_card(studio.bob.id, path)
    card = json.loads(path.read_text())
    card["name"] = "Totally Bob"
    path.write_text(json.dumps(card))
    with CameoStore(tmp_path / "other") as other:
        with pytest.raises(Refused, match="bad signature"):
            other.profiles.import_card(path)
        card["kind"] = "child"
        path.write_text(json.dumps(card))
        with pytest.raises(BadInput, match="malformed"):
            other.profiles.import_card(path)
        path.write_text("{not json")
        with pytest.raises(BadInput, match="invalid JSON"):
            other.profiles.import_card(path)


def test_approvals_and_mutuals(studio):
    p = studio.store.profiles
    p.approve(studio.alice.id, studio.bob.id)
    assert studio.bob.id in p.approved_by(studio.alice.id)
    assert not p.are_mutuals(studio.alice.id, studio.bob.id)
    p.approve(studio.bob.id, studio.alice.id)
    assert p.are_mutuals(studio.alice.id, studio.bob.id)
    p.unapprove(studio.bob.id, studio.alice.id)
    assert not p.are_mutuals(studio.alice.id, studio.bob.id)


def test_profile_rules(studio):
    p = studio.store.profiles
    assert p.active().id == studio.alice.id  # the first profile becomes the active one
    assert p.require("Carol").kind == "minor"
    with pytest.raises(BadInput):
        p.create("Alice")
    with pytest.raises(BadInput):
        p.create("Eve", kind="robot")
    with pytest.raises(BadInput):
        p.require("nobody")
