"""Who may use a cameo, revoke/delete, the usage log and decrypted references."""

from __future__ import annotations

import stat

import pytest

from sora_studio.core.cameo import active_profile, authorize_cameo_use, permissions
from sora_studio.errors import BadInput, Refused


def _can(studio, who) -> bool:
    try:
        authorize_cameo_use(["alice"], who.id, store=studio.store, with_images=False)
        return True
    except Refused:
        return False


def test_modes(studio):
    s, alice, bob, carol = studio.store, studio.alice, studio.bob, studio.carol
    assert _can(studio, alice) and not _can(studio, bob)  # only me by default
    permissions.grant_to(s, "alice", alice.id, "Bob")
    assert s.require("alice").mode == "approved"
    assert _can(studio, bob) and not _can(studio, carol)
    permissions.set_mode(s, "alice", alice.id, "mutuals")
    assert not _can(studio, bob)  # Bob has not approved Alice back
    s.profiles.approve(bob.id, alice.id)
    assert _can(studio, bob) and not _can(studio, carol)
    permissions.set_mode(s, "alice", alice.id, "everyone")
    assert _can(studio, carol)
    permissions.set_mode(s, "alice", alice.id, "only-me")
    assert not _can(studio, bob) and _can(studio, alice)
    with pytest.raises(BadInput):
        permissions.set_mode(s, "alice", alice.id, "friends")
    with pytest.raises(Refused, match="only the owner"):
        permissions.set_mode(s, "alice", bob.id, "everyone")


def test_revoke_blocks_a_job_queued_before_it(studio):
    s = studio.store
    permissions.set_mode(s, "alice", studio.alice.id, "everyone")
    queued = authorize_cameo_use(["alice"], studio.bob.id, store=s, job_id="job-1", with_images=False)
    assert queued[0].cameo_id == studio.cameo.id and queued[0].owner == studio.alice.id
    permissions.revoke(s, "alice", studio.alice.id)
    with pytest.raises(Refused, match="revoked"):  # the worker's re-check right before rendering
        authorize_cameo_use(["alice"], studio.bob.id, store=s, job_id="job-1")
    with pytest.raises(Refused, match="revoked"):
        authorize_cameo_use(["alice"], studio.alice.id, store=s)  # even the owner, until re-granted
    permissions.set_mode(s, "alice", studio.alice.id, "everyone")
    assert authorize_cameo_use(["alice"], studio.bob.id, store=s, with_images=False)


def test_refusal_reasons(studio):
    s = studio.store
    with pytest.raises(Refused, match="unknown cameo"):
        authorize_cameo_use(["nobody"], studio.alice.id, store=s)
    with pytest.raises(Refused, match="at most 2 cameos"):
        authorize_cameo_use(["a", "b", "c"], studio.alice.id, store=s)
    with pytest.raises(Refused, match="ask its owner"):
        authorize_cameo_use(["alice"], studio.bob.id, store=s)
    with pytest.raises(Refused, match="unknown profile"):
        permissions.set_mode(s, "alice", studio.alice.id, "approved")
        authorize_cameo_use(["alice"], "0123456789abcdef", store=s)


def test_references_decrypt_crops_privately_and_clean_up(studio):
    refs = authorize_cameo_use(["alice"], studio.alice.id, store=studio.store, job_id="j9", clip="/tmp/x.mp4")
    ref = refs[0]
    assert [p.name for p in ref.images] == ["front.png", "left.png"]
    assert ref.images[0].read_bytes().startswith(b"\x89PNG")
    assert stat.S_IMODE(ref.temp_dir.stat().st_mode) == 0o700
    folder = ref.temp_dir
    ref.close()
    assert not folder.exists() and ref.images == []


def test_usage_log_is_shown_to_the_owner_only(studio):
    s = studio.store
    permissions.set_mode(s, "alice", studio.alice.id, "everyone")
    authorize_cameo_use(["alice"], studio.bob.id, store=s, job_id="job-7", with_images=False)
    permissions.set_mode(s, "alice", studio.alice.id, "only-me")
    with pytest.raises(Refused):
        authorize_cameo_use(["alice"], studio.carol.id, store=s, job_id="job-8")
    log = permissions.usage(s, "alice", studio.alice.id)
    assert [(e["requester_name"], e["job_id"], e["action"]) for e in log] == [("Bob", "job-7", "authorized"),
                                                                                ("Carol", "job-8", "refused")]
    with pytest.raises(Refused):
        permissions.usage(s, "alice", studio.bob.id)


def test_delete_purges_and_lists_the_clips_made_with_it(studio, tmp_path):
    s = studio.store
    clip_a, clip_b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    clip_a.write_bytes(b"clip"), clip_b.write_bytes(b"clip")
    permissions.record_clip(s, studio.cameo.id, studio.alice.id, str(clip_a), job_id="j1")
    permissions.record_clip(s, studio.cameo.id, studio.alice.id, str(clip_b), job_id="j2")
    assert set(permissions.clips_using(s, "alice", studio.alice.id)) == {clip_a, clip_b}
    assert set(permissions.delete_clips_using(s, "alice", studio.alice.id)) == {clip_a, clip_b}
    assert not clip_a.exists() and not clip_b.exists()
    removed = permissions.delete(s, "alice", studio.alice.id)
    assert len(removed) == 3 and not (s.root / "media" / studio.cameo.id).exists()
    with pytest.raises(Refused, match="unknown cameo"):
        authorize_cameo_use(["alice"], studio.alice.id, store=s)
    with pytest.raises(Refused, match="deleted"):
        authorize_cameo_use([studio.cameo.id], studio.alice.id, store=s)


def test_active_profile_and_empty_requests(studio):
    assert active_profile(studio.store).id == studio.alice.id
    assert authorize_cameo_use([], studio.bob.id, store=studio.store) == []


def test_no_profile_yet_is_bad_input():
    with pytest.raises(BadInput, match="profile create"):
        active_profile()
