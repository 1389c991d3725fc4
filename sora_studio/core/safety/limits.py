"""Per-profile limits: daily generation counts, and what minors may do with other people's cameos.

Profiles proper belong to the cameo room; this module only needs who is asking (`ProfileRef`).
Limits are data (resources/policy/limits.toml).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sora_studio.core.resources import resource_path
from sora_studio.core.safety.verdict import ALLOWED, Verdict
from sora_studio.errors import BadInput

ProfileKind = Literal["adult", "minor"]
PROFILE_KINDS: tuple[str, ...] = ("adult", "minor")


@dataclass(frozen=True)
class ProfileRef:
    """Who is generating: a profile id and whether the profile belongs to an adult or a minor."""

    id: str
    kind: ProfileKind = "adult"

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise BadInput("a profile needs a non-empty id")
        if self.kind not in PROFILE_KINDS:
            raise BadInput(f"profile kind must be 'adult' or 'minor', not {self.kind!r}")

    @classmethod
    def of(cls, profile: object) -> ProfileRef:
        """From any profile object with `id` and `kind` (the cameo room's Profile)."""
        return cls(str(getattr(profile, "id")), getattr(profile, "kind"))


@dataclass(frozen=True)
class Limits:
    daily_generations: dict[str, int]
    minor_may_use_others_cameos: bool = False
    minor_may_remix_others_cameo_clips: bool = False

    def daily_limit(self, profile: ProfileRef) -> int:
        return self.daily_generations[profile.kind]

    @classmethod
    def load(cls, path: str | Path | None = None) -> Limits:
        file = Path(path) if path is not None else resource_path("policy", "limits.toml")
        try:
            with open(file, "rb") as fh:
                data = tomllib.load(fh)
            daily = {kind: int(data["daily_generations"][kind]) for kind in PROFILE_KINDS}
            minor = data.get("minor", {})
            limits = cls(daily, bool(minor.get("use_others_cameos", False)),
                         bool(minor.get("remix_others_cameo_clips", False)))
        except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
            raise BadInput(f"limits file {file} is unreadable or incomplete: {exc}") from exc
        if any(n < 0 for n in daily.values()):
            raise BadInput(f"limits file {file}: daily limits cannot be negative")
        return limits


def check_cameo_rules(profile: ProfileRef, cameo_owners: Iterable[str], remix_parent_cameo_owners: Iterable[str],
                      limits: Limits) -> Verdict:
    """Minors may use their own cameo only, and may not remix clips that show someone else's cameo."""
    if profile.kind != "minor":
        return ALLOWED
    others = sorted({o for o in cameo_owners if o != profile.id})
    if others and not limits.minor_may_use_others_cameos:
        return Verdict(
            allowed=False,
            category="minor_protection",
            reason="Profiles of minors can use only their own cameo, not other people's.",
            suggestion="Remove the other people's cameos, or use your own.",
            categories=("minor_protection",),
            source="limits",
        )
    remixed = sorted({o for o in remix_parent_cameo_owners if o != profile.id})
    if remixed and not limits.minor_may_remix_others_cameo_clips:
        return Verdict(
            allowed=False,
            category="minor_protection",
            reason="Profiles of minors cannot remix clips that show someone else's cameo.",
            suggestion="Remix a clip without other people's cameos, or start a new one.",
            categories=("minor_protection",),
            source="limits",
        )
    return ALLOWED


def daily_limit_verdict(profile: ProfileRef, limit: int) -> Verdict:
    return Verdict(
        allowed=False,
        category="daily_limit",
        reason=f"This profile has used all {limit} generations for today.",
        suggestion="Try again tomorrow (the count resets at midnight UTC).",
        categories=("daily_limit",),
        source="limits",
    )
