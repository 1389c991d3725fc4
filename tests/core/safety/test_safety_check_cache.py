"""What the policy check keeps between calls: the rules' verdicts per compiled policy, and one audit
connection per process. Both must never serve a stale answer."""

import os
import shutil
import threading
from datetime import datetime, timezone

import pytest

from sora_studio.core.appdirs import data_dir
from sora_studio.core.cameo import permissions
from sora_studio.core.generation.policy import check_request
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.safety import audit as audit_module
from sora_studio.core.safety import policy as policy_module
from sora_studio.core.safety.audit import AuditLog
from sora_studio.core.safety.policy import moderate
from sora_studio.core.safety.rules import load_policy
from sora_studio.errors import Refused, StudioError

RULES = """
[category]
id = "demo"
title = "Demo"
priority = 10
when = "{when}"
reason = "Demo rule."
[[rules]]
id = "word"
patterns = [{patterns}]
"""


def _policy_dir(tmp_path, patterns: str, when: str = "always"):
    folder = tmp_path / "policy"
    folder.mkdir(exist_ok=True)
    (folder / "demo.toml").write_text(RULES.format(when=when, patterns=patterns), encoding="utf-8")
    return folder


def test_repeated_prompt_is_served_from_cache_and_a_changed_policy_file_is_not(tmp_path):
    policy_module._RULE_VERDICTS.clear()
    folder = _policy_dir(tmp_path, '"zebra"')
    assert moderate("a red kite over the bay", policy=load_policy(folder)).allowed
    assert moderate("a red kite over the bay", policy=load_policy(folder)).allowed
    assert policy_module._RULE_VERDICTS.hits == 1  # same policy, same text: not matched again
    path = folder / "demo.toml"
    path.write_text(RULES.format(when="always", patterns='"zebra", "kite"'), encoding="utf-8")
    stat = path.stat()  # a coarse-clock file system could keep the mtime: the size changed anyway
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    verdict = moderate("a red kite over the bay", policy=load_policy(folder))
    assert not verdict.allowed and verdict.category == "demo"  # the edited rule applies at once


def test_cache_key_holds_the_cameo_context(tmp_path):
    policy_module._RULE_VERDICTS.clear()
    folder = _policy_dir(tmp_path, '"crying"', when="cameo")
    policy = load_policy(folder)
    assert moderate("someone crying", policy=policy).allowed
    assert not moderate("someone crying", cameo_present=True, policy=policy).allowed
    assert not moderate("someone crying", cameo_names=["sam"], policy=policy).allowed
    assert moderate("someone crying", policy=policy).allowed  # and the cached allow is still per context


def test_classifier_still_runs_on_a_cached_allow(tmp_path):
    from sora_studio.core.safety.verdict import Verdict

    calls = []

    class Refusing:  # the classifier's seam: it may add a refusal, so it must see every check
        def verdict(self, text):
            calls.append(text)
            return Verdict(False, "classifier_demo", "refused", source="classifier")

    policy = load_policy(_policy_dir(tmp_path, '"zebra"'))
    for _ in range(2):
        assert moderate("a calm lake", policy=policy, classifier=Refusing()).category == "classifier_demo"
    assert calls == ["a calm lake", "a calm lake"]


def test_revoked_cameo_between_two_identical_checks_is_refused(cameo_studio):
    s = cameo_studio
    request = GenerationRequest(model_id="wan-vace-tiny", prompt="@alice waves at the camera")
    check_request(request, stage="submit").close()
    permissions.revoke(s.store, "alice", s.alice.id)  # the prompt's verdict is cached; the consent is not
    with pytest.raises(Refused, match="revoked by its owner"):
        check_request(request, stage="run")


def test_audit_log_reuses_one_connection_and_reopens_a_replaced_file():
    first, second = AuditLog(), AuditLog()
    assert audit_module._shared_connection(first.path) is audit_module._shared_connection(second.path)
    now = datetime.now(timezone.utc)
    assert first.record_generation_within("p", "adult", "a cat", 5, now) is not None
    assert second.count("p", now.date()) == 1
    for f in data_dir().glob("safety_audit.sqlite3*"):  # moved aside: the studio starts a new log
        shutil.move(f, f.with_name("aside-" + f.name))
    assert AuditLog().count("p", now.date()) == 0
    assert first.count("p", now.date()) == 0  # an old instance follows the new file too


def test_audit_log_counts_exactly_from_many_threads():
    audit = AuditLog()
    now = datetime.now(timezone.utc)
    results = []

    def take_slots():
        for _ in range(10):
            results.append(audit.record_generation_within("t", "adult", "x", 25, now) is not None)

    threads = [threading.Thread(target=take_slots) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 25 and audit.count("t", now.date()) == 25  # never past the limit


def test_damaged_audit_file_is_reported_after_a_good_connection_was_cached(tmp_path):
    path = tmp_path / "audit.sqlite3"
    AuditLog(path)
    for f in tmp_path.glob("audit.sqlite3*"):
        f.unlink()
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StudioError, match="damaged"):
        AuditLog(path).count("p", datetime.now(timezone.utc).date())
