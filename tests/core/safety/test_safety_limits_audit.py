"""Daily limits, minor-profile cameo rules and the SQLite audit log, through check_generation."""

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from sora_studio.core.appdirs import data_dir
from sora_studio.core.safety.audit import AuditLog, prompt_hash, redact
from sora_studio.core.safety.check import check_generation
from sora_studio.core.safety.limits import Limits, ProfileRef
from sora_studio.errors import BadInput, StudioError

DAY1 = datetime(2026, 3, 1, 23, 50, tzinfo=timezone.utc)
DAY2 = DAY1 + timedelta(minutes=20)  # just past midnight UTC

ADULT = ProfileRef("adult-1", "adult")
MINOR = ProfileRef("minor-1", "minor")
SMALL = Limits({"adult": 3, "minor": 2})


def test_default_limits_give_minors_fewer_generations():
    limits = Limits.load()
    assert 0 < limits.daily_limit(MINOR) < limits.daily_limit(ADULT)
    assert not limits.minor_may_use_others_cameos and not limits.minor_may_remix_others_cameo_clips


def test_profile_ref_from_a_profile_object():
    class Profile:  # the shape of the cameo room's Profile (id, kind)
        id, kind = "p-7", "minor"

    assert ProfileRef.of(Profile()) == ProfileRef("p-7", "minor")


def test_profile_kind_is_validated():
    with pytest.raises(BadInput):
        ProfileRef("x", "child")  # type: ignore[arg-type]
    with pytest.raises(BadInput):
        ProfileRef("", "adult")


def test_daily_limit_then_reset_on_the_next_date():
    audit = AuditLog()
    for _ in range(3):
        assert check_generation("a cat on a sofa", ADULT, audit=audit, limits=SMALL, now=DAY1).allowed
    verdict = check_generation("a cat on a sofa", ADULT, audit=audit, limits=SMALL, now=DAY1)
    assert not verdict.allowed and verdict.category == "daily_limit" and verdict.source == "limits"
    assert "3" in verdict.reason
    assert check_generation("a cat on a sofa", ADULT, audit=audit, limits=SMALL, now=DAY2).allowed
    assert audit.count(ADULT.id, DAY1.date()) == 3
    assert audit.count(ADULT.id, DAY2.date()) == 1


def test_minor_limit_is_lower_and_counted_per_profile():
    audit = AuditLog()
    for _ in range(2):
        assert check_generation("a dog in the snow", MINOR, audit=audit, limits=SMALL, now=DAY1).allowed
    assert check_generation("a dog in the snow", MINOR, audit=audit, limits=SMALL, now=DAY1).category == "daily_limit"
    assert check_generation("a dog in the snow", ADULT, audit=audit, limits=SMALL, now=DAY1).allowed


def test_refusals_do_not_use_up_the_daily_limit():
    audit = AuditLog()
    for _ in range(5):
        assert check_generation("a naked man", ADULT, audit=audit, limits=SMALL, now=DAY1).category == "sexual"
    assert audit.count(ADULT.id, DAY1.date()) == 0
    assert audit.count(ADULT.id, DAY1.date(), kind="refusal") == 5


def test_minor_may_not_use_someone_elses_cameo_but_may_use_their_own():
    audit = AuditLog()
    verdict = check_generation("@sam skateboarding", MINOR, cameo_owners=["adult-9"], audit=audit, limits=SMALL, now=DAY1)
    assert not verdict.allowed and verdict.category == "minor_protection"
    assert check_generation("me skateboarding", MINOR, cameo_owners=[MINOR.id], audit=audit, limits=SMALL, now=DAY1).allowed
    assert check_generation("@sam skateboarding", ADULT, cameo_owners=["adult-9"], audit=audit, limits=SMALL, now=DAY1).allowed


def test_minor_may_not_remix_a_clip_with_someone_elses_cameo():
    audit = AuditLog()
    verdict = check_generation("make it rain", MINOR, remix_parent_cameo_owners=["adult-9"], audit=audit, limits=SMALL, now=DAY1)
    assert verdict.category == "minor_protection" and "remix" in verdict.reason
    assert check_generation("make it rain", ADULT, remix_parent_cameo_owners=["adult-9"], audit=audit, limits=SMALL, now=DAY1).allowed


def test_cameo_in_the_request_or_the_remixed_clip_turns_on_strict_mode():
    audit = AuditLog()
    prompt = "@sam crying in a dumpster, everyone laughing at him"
    assert check_generation(prompt, ADULT, audit=audit, limits=SMALL, now=DAY1).allowed
    assert check_generation(prompt, ADULT, cameo_owners=["u2"], audit=audit, limits=SMALL, now=DAY1).category == "cameo_depiction"
    assert check_generation(prompt, ADULT, remix_parent_cameo_owners=["u2"], audit=audit, limits=SMALL, now=DAY1).category == "cameo_depiction"


def test_audit_entries_hold_a_hash_and_a_redacted_excerpt_not_the_prompt():
    audit = AuditLog()
    prompt = "a photo of a naked woman standing next to a red bicycle in the rain at night, in great detail"
    check_generation(prompt, ADULT, audit=audit, limits=SMALL, now=DAY1)
    check_generation("a red bicycle", ADULT, audit=audit, limits=SMALL, now=DAY1)
    refusal, generation = audit.events()[1], audit.events()[0]
    assert refusal.kind == "refusal" and refusal.category == "sexual" and refusal.source == "rules"
    assert refusal.profile_id == ADULT.id and refusal.profile_kind == "adult"
    assert refusal.time_utc.startswith("2026-03-01T23:50") and refusal.day == "2026-03-01"
    assert refusal.prompt_sha256 == prompt_hash(prompt)
    assert "naked" not in refusal.excerpt and "***" in refusal.excerpt and len(refusal.excerpt) <= 60
    assert generation.kind == "generation" and generation.category is None
    # the log, its write-ahead log and shared memory: whatever is on disk holds no prompt text
    raw = b"".join(f.read_bytes() for f in data_dir().glob("safety_audit.sqlite3*"))
    assert len(raw) > 0
    assert b"naked" not in raw and b"in great detail" not in raw


def test_redact_masks_spans_and_truncates():
    assert redact("kill the man now", [(0, 4)]) == "*** the man now"
    assert redact("x" * 100).endswith("…") and len(redact("x" * 100)) == 60


def test_audit_log_from_a_newer_version_or_damaged_is_reported(tmp_path):
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StudioError, match="newer"):
        AuditLog(newer)
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StudioError, match="damaged"):
        AuditLog(damaged)


def test_limits_file_errors_are_bad_input(tmp_path):
    bad = tmp_path / "limits.toml"
    bad.write_text("[daily_generations]\nadult = 5\n", encoding="utf-8")
    with pytest.raises(BadInput, match="minor"):
        Limits.load(bad)
