"""`check_generation`: the one gate every generation passes — cameo rules for minors, the prompt policy
(plus the optional classifier), and the daily limit — with the outcome written to the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from sora_studio.core.safety.audit import AuditLog
from sora_studio.core.safety.limits import Limits, ProfileRef, check_cameo_rules, daily_limit_verdict
from sora_studio.core.safety.policy import moderate
from sora_studio.core.safety.verdict import Verdict

if TYPE_CHECKING:
    from sora_studio.core.safety.classifier import TextClassifier


def check_generation(
    prompt: str,
    profile: ProfileRef,
    cameo_owners: Iterable[str] = (),
    remix_parent_cameo_owners: Iterable[str] = (),
    *,
    cameo_names: Iterable[str] = (),
    audit: AuditLog | None = None,
    limits: Limits | None = None,
    classifier: TextClassifier | None = None,
    now: datetime | None = None,
) -> Verdict:
    """Decide whether `profile` may generate `prompt` now, and record the decision.

    cameo_owners: profile ids owning the cameos in the request; remix_parent_cameo_owners: owners of the
    cameos in the clip being remixed; cameo_names: display names of those cameos (a public figure who is
    present as a permitted cameo may be named). An allowed verdict counts as one generation today.
    """
    owners = tuple(cameo_owners)
    remix_owners = tuple(remix_parent_cameo_owners)
    audit = audit or AuditLog()
    limits = limits or Limits.load()
    when = now or datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)

    verdict = check_cameo_rules(profile, owners, remix_owners, limits)
    if verdict.allowed:
        verdict = moderate(
            prompt,
            cameo_present=bool(owners or remix_owners),
            cameo_names=cameo_names,
            classifier=classifier,
        )
    if not verdict.allowed:
        audit.record_refusal(profile.id, profile.kind, prompt, verdict, when)
        return verdict
    limit = limits.daily_limit(profile)
    if audit.record_generation_within(profile.id, profile.kind, prompt, limit, when) is None:
        refusal = daily_limit_verdict(profile, limit)
        audit.record_refusal(profile.id, profile.kind, prompt, refusal, when)
        return refusal
    return verdict
