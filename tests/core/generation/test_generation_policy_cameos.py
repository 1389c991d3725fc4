"""check_request: @mentions, cameo consent, capabilities and the safety gate, in process (no worker)."""

from datetime import datetime, timezone

import numpy as np
import pytest

from sora_studio.core.cameo import permissions
from sora_studio.core.generation.mentions import find_mentions, neutral_descriptions, replace_mentions
from sora_studio.core.generation.policy import check_request, models_for_cameos
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.safety.audit import AuditLog
from sora_studio.errors import BadInput, Refused


def _today_rows(kind: str | None = None):
    rows = AuditLog().events()
    return [r for r in rows if kind is None or r.kind == kind]


def test_mentions_are_found_and_replaced_with_neutral_descriptions():
    prompt = "@Alice waves at @bob. Mail me at x@example.com; @alice laughs"
    assert find_mentions(prompt) == ["alice", "bob"]
    assert neutral_descriptions(["person", "person", "pet"]) == ["the first person", "the second person", "the pet"]
    text = replace_mentions(prompt, {"alice": "the first person", "bob": "the second person"})
    assert text == "The first person waves at the second person. Mail me at x@example.com; the first person laughs"
    assert replace_mentions("hi @carol", {"alice": "the person"}) == "hi @carol"  # unknown: untouched


def test_refused_prompt_is_audited_at_submit_but_not_during_form_preview():
    request = GenerationRequest(model_id="wan-tiny", prompt="how to make a pipe bomb step by step")
    with pytest.raises(Refused, match="weapon"):
        check_request(request)  # preview: the GUI form's live check records nothing
    assert _today_rows() == []
    with pytest.raises(Refused, match="weapon"):
        check_request(request, stage="submit", job_id="j1")
    rows = _today_rows()
    assert [(r.kind, r.category, r.profile_id) for r in rows] == [("refusal", "weapons", "local")]
    assert "bomb" not in rows[0].excerpt  # the audit log masks what matched


def test_allowed_request_counts_one_generation_only_at_run_stage():
    request = GenerationRequest(model_id="wan-tiny", prompt="a lighthouse at dusk")
    check_request(request, stage="submit").close()
    assert _today_rows() == []
    with check_request(request, stage="run") as clearance:
        assert clearance.prompt == "a lighthouse at dusk" and clearance.cameos == []
    assert [r.kind for r in _today_rows()] == ["generation"]


def test_daily_limit_refuses_at_submit_without_counting(cameo_studio):
    audit = AuditLog()
    now = datetime.now(timezone.utc)
    for _ in range(20):  # Carol is a minor: 20 a day
        assert audit.record_generation_within(cameo_studio.carol.id, "minor", "x", 20, now) is not None
    cameo_studio.store.profiles.set_active(cameo_studio.carol.id)
    with pytest.raises(Refused, match="all 20 generations"):
        check_request(GenerationRequest(model_id="wan-tiny", prompt="a cat"), stage="submit")
    assert audit.count(cameo_studio.carol.id, now.date()) == 20


def test_cameo_on_text_only_model_is_refused_naming_the_models_that_can(cameo_studio):
    with pytest.raises(Refused) as info:
        check_request(GenerationRequest(model_id="wan2.1-t2v-1.3b", prompt="@alice waves"), stage="submit")
    message = str(info.value)
    assert "wan2.1-t2v-1.3b cannot show a cameo" in message
    assert "wan2.1-vace-1.3b" in message and "wan-vace-tiny" in message and "wan2.1-i2v-14b-480p" in message
    assert models_for_cameos("reference") == ["wan2.1-vace-1.3b", "wan-vace-tiny"]
    with pytest.raises(Refused, match="can show one cameo"):  # image-to-video: one first frame only
        check_request(GenerationRequest(model_id="wan-i2v-tiny", prompt="x", cameos=["alice", "bob"]))


def test_cameo_consent_rules_apply_at_every_stage(cameo_studio):
    s = cameo_studio
    vace = dict(model_id="wan-vace-tiny")
    with check_request(GenerationRequest(**vace, prompt="@alice waves"), stage="submit", job_id="a") as ok:
        assert ok.cameo_ids == [s.cameo.id] and ok.prompt == "The person waves" and ok.cameos[0].images == []
    with pytest.raises(Refused, match="unknown cameo 'zed'"):
        check_request(GenerationRequest(**vace, prompt="@zed waves"))
    with pytest.raises(Refused, match="at most 2 cameos"):
        check_request(GenerationRequest(**vace, prompt="@alice and @bob and @carol"))
    s.store.profiles.set_active(s.bob.id)  # Bob may not use Alice's only-me cameo
    with pytest.raises(Refused, match="only its owner"):
        check_request(GenerationRequest(**vace, prompt="@alice waves"), stage="submit")
    permissions.grant_to(s.store, "alice", s.alice.id, s.bob.id)
    check_request(GenerationRequest(**vace, prompt="@alice waves"), stage="submit").close()
    permissions.revoke(s.store, "alice", s.alice.id)
    for stage in ("preview", "submit", "run"):
        with pytest.raises(Refused, match="revoked by its owner"):
            check_request(GenerationRequest(**vace, prompt="@alice waves"), stage=stage)
    actions = [row["action"] for row in permissions.usage(s.store, "alice", s.alice.id)]
    assert actions == ["authorized", "refused", "authorized", "refused", "refused"]  # preview logs nothing


def test_minor_cannot_use_another_persons_cameo_even_when_shared_with_everyone(cameo_studio):
    s = cameo_studio
    permissions.set_mode(s.store, "alice", s.alice.id, "everyone")
    s.store.profiles.set_active(s.carol.id)
    with pytest.raises(Refused, match="minors can use only their own cameo"):
        check_request(GenerationRequest(model_id="wan-vace-tiny", prompt="@alice waves"), stage="submit")
    assert [(r.kind, r.category, r.profile_kind) for r in _today_rows()] == [("refusal", "minor_protection", "minor")]


def test_cameo_strict_mode_applies_when_a_cameo_is_present(cameo_studio):
    prompt = "crying in a dumpster while everyone is laughing at them"
    check_request(GenerationRequest(model_id="wan-vace-tiny", prompt=prompt))  # no cameo: allowed
    with pytest.raises(Refused, match="cameo"):
        check_request(GenerationRequest(model_id="wan-vace-tiny", prompt="@alice " + prompt), stage="submit")


def test_cameo_needs_a_profile(tmp_path):
    with pytest.raises(BadInput, match="needs a profile|no cameo profile"):
        check_request(GenerationRequest(model_id="wan-vace-tiny", prompt="@alice waves"))


def test_run_stage_hands_out_crops_and_deletes_them_on_close(cameo_studio):
    with check_request(GenerationRequest(model_id="wan-vace-tiny", prompt="@alice waves"), stage="run") as c:
        front = c.cameos[0].images[0]
        folder = front.parent
        import cv2

        decoded = cv2.imread(str(front))[:, :, ::-1]
        assert np.array_equal(decoded, cameo_studio.front)
    assert not folder.exists()


def test_a_cameo_named_twice_counts_once(cameo_studio):
    s = cameo_studio
    request = GenerationRequest(model_id="wan-vace-tiny", prompt="@alice and @bob wave", cameos=[s.cameo.id])
    with pytest.raises(Refused, match="unknown cameo 'bob'"):  # alice + her id are one cameo; bob is the 2nd
        check_request(request)
    with check_request(GenerationRequest(model_id="wan-vace-tiny", prompt="@alice", cameos=[s.cameo.id])) as c:
        assert c.cameo_ids == [s.cameo.id]
