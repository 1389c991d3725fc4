"""Content safety: prompt policy (rules as data + optional classifier), limits and the audit log.

Entry points: `moderate(text, cameo_present=False, cameo_names=()) -> Verdict` for a prompt alone, and
`check_generation(prompt, profile, cameo_owners=(), remix_parent_cameo_owners=())` for the full gate
(limits + policy + audit) before a generation. See docs/safety.md.
"""

from sora_studio.core.safety.check import check_generation
from sora_studio.core.safety.limits import Limits, ProfileRef
from sora_studio.core.safety.policy import moderate
from sora_studio.core.safety.verdict import Match, Verdict

__all__ = ["Limits", "Match", "ProfileRef", "Verdict", "check_generation", "moderate"]
