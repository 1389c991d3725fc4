"""The cameo permissions and usage panel (offscreen Qt) over a real encrypted store and registry."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from sora_studio.core.cameo import permissions
from sora_studio.core.cameo.purge_clips import WITHDRAWN_LABEL, is_withdrawn
from sora_studio.core.cameo.store import CameoStore
from sora_studio.errors import Refused
from sora_studio.ui.cameo import install, open_cameo_panel
from sora_studio.ui.cameo.panel import CameoPanel


def _png(seed: int) -> bytes:
    image = np.random.default_rng(seed).integers(0, 255, (32, 32, 3), dtype=np.uint8)
    return cv2.imencode(".png", image)[1].tobytes()


@pytest.fixture
def store():
    store = CameoStore()
    alice = store.profiles.create("Alice")
    store.profiles.create("Bob")
    facts = {"capture": "live", "challenges": ["left"], "phrase": "x", "verified": ["test"]}
    store.add(alice, "alice", "person", facts, {"front": _png(1), "left": _png(2)})
    yield store
    store.close()


def _panel(qtbot, store, access=None):
    panel = CameoPanel(store, access)
    qtbot.addWidget(panel)
    panel.show()
    panel.asked = []

    def yes(title, text, option):
        panel.asked.append((title, text, option))
        return True, option is not None
    panel.confirm = yes
    return panel


def _authorize(store, who):
    refs = permissions.authorize_cameo_use(["alice"], store.profiles.find(who).id, store=store, with_images=False)
    return [r.name for r in refs]


def test_panel_changes_permission_approves_and_revokes(qtbot, store):
    panel = _panel(qtbot, store)
    row = [panel.cameos.item(0, c).text() for c in range(4)]
    assert row[0] == "@alice" and row[1] == "person" and row[3] == "live"
    combo = panel.cameos.cellWidget(0, 4)
    assert combo.currentData() == "only-me"
    with pytest.raises(Refused, match="only its owner"):
        _authorize(store, "Bob")

    combo.setCurrentIndex(combo.findData("approved"))
    assert store.require("alice").mode == "approved" and "people i approve" in panel.message.text().lower()
    with pytest.raises(Refused, match="approved"):
        _authorize(store, "Bob")
    bob_item = panel.people.item(0)
    assert "Bob" in bob_item.text()
    bob_item.setCheckState(bob_item.checkState().Checked)
    assert _authorize(store, "Bob") == ["alice"]

    panel._cameo_chosen()
    results = [panel.usage.item(r, 4).text() for r in range(panel.usage.rowCount())]
    assert results == ["refused", "refused", "authorized"] and panel.usage.item(2, 1).text() == "Bob"

    panel.revoke_button.click()
    assert "revoked" in panel.cameos.item(0, 5).text() and not panel.revoke_button.isEnabled()
    with pytest.raises(Refused, match="revoked"):
        _authorize(store, "Bob")
    panel.cameos.cellWidget(0, 4).setCurrentIndex(panel.cameos.cellWidget(0, 4).findData("everyone"))
    assert _authorize(store, "Bob") == ["alice"]  # choosing again re-enables


def test_panel_imports_cards_and_refuses_a_forged_one(qtbot, store, tmp_path):
    with CameoStore(tmp_path / "elsewhere") as other:
        dave = other.profiles.create("Dave")
        other.profiles.export_card(dave.id, tmp_path / "dave.card.json")
    card = json.loads((tmp_path / "dave.card.json").read_text())
    card["name"] = "Mallory"
    (tmp_path / "forged.card.json").write_text(json.dumps(card))
    panel = _panel(qtbot, store)
    assert not panel.import_card(tmp_path / "forged.card.json")
    assert "bad signature" in panel.message.text() and panel.people.count() == 1
    assert panel.import_card(tmp_path / "dave.card.json")
    texts = [panel.people.item(i).text() for i in range(panel.people.count())]
    assert any("Dave" in t and "imported card" in t for t in texts)
    assert panel.export_card(tmp_path / "alice.card.json")
    assert json.loads((tmp_path / "alice.card.json").read_text())["name"] == "Alice"


def test_delete_says_what_is_purged_and_keeps_a_tombstone(qtbot, store):
    panel = _panel(qtbot, store)
    cameo = store.require("alice")
    folder = store.root / "media" / cameo.id
    assert folder.is_dir()
    assert panel.delete()
    title, text, option = panel.asked[0]
    assert title == "Delete cameo" and "every clip" in option
    assert "tombstone" in text and "cannot be undone" in text and "front" in text
    assert not folder.exists()
    tomb = store.find(cameo.id)
    assert tomb.deleted and tomb.consent["cameo_name"] == "alice"  # the signed record stays
    assert panel.cameos.item(0, 0).text() == "(deleted)" and "consent record kept" in panel.cameos.item(0, 5).text()
    assert not panel.delete_button.isEnabled()
    with pytest.raises(Refused):
        _authorize(store, "Alice")


def test_delete_every_clip_made_with_it_leaves_holes_in_the_open_project(qtbot, window, ui, tmp_path):
    """Through the main window: the open project's clip rendered with the cameo becomes a visible hole."""
    import shutil

    from sora_studio.core.timeline.model import NAMESPACE

    session = window.session
    _, clip = session.timeline.clips()[0]
    # the demo media is shared by every test: purge a private copy of the clip's file, not the shared one
    media_file, shared = tmp_path / "rendered-with-alice.mp4", session.resolve(clip.take.url)
    shutil.copy(shared, media_file)
    session.project.relink(clip.take.metadata[NAMESPACE]["media_id"], media_file)
    _, clip = session.timeline.find_clip(clip.id)
    assert session.resolve(clip.take.url) == media_file
    users = [c for _, c in session.timeline.clips() if c.take is not None and c.take.url == clip.take.url]
    with CameoStore() as store:
        alice = store.profiles.create("Alice")
        cameo = store.add(alice, "alice", "person", {"capture": "live"}, {"front": _png(1)})
        permissions.record_clip(store, cameo.id, alice.id, str(media_file), job_id="job-1")
    install(window)  # what app.install_panels does at start-up
    assert [a.text() for a in window.cameo_menu.actions()] == ["&Enroll Cameo…", "&Permissions and Usage…"]
    panel = open_cameo_panel(window)
    assert open_cameo_panel(window) is panel  # one panel, raised again
    panel.asked = []
    panel.confirm = lambda t, x, o: (panel.asked.append(x) or True, False)
    assert panel.delete_clips()
    assert "Undo cannot bring deleted media back" in panel.asked[0] and WITHDRAWN_LABEL in panel.asked[0]
    assert not media_file.exists() and "left as holes" in panel.message.text()
    assert shared.exists()  # a file the usage log does not name is never deleted
    for user in users:
        _, now = session.timeline.find_clip(user.id)
        assert is_withdrawn(now.take) and (now.start, now.duration) == (user.start, user.duration)
    session.timeline.check_invariants()
    assert session.undo_stack.count() == 1 and session.dirty
    window.timeline_panel.view.viewport().repaint()  # paints the withdrawn label without errors
    panel.close()
