"""The answer every safety check gives: allowed or not, why, and what to change."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Match:
    """One thing that matched: where in the prompt (character offsets) and which rule."""

    category: str
    rule: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Verdict:
    """allowed=False carries the deciding category, a reason a person understands and a suggestion.

    `source` says which layer decided: "rules", "classifier" or "limits". `categories` lists every
    category that matched (the deciding one first).
    """

    allowed: bool
    category: str | None = None
    reason: str = ""
    suggestion: str = ""
    matches: tuple[Match, ...] = field(default_factory=tuple)
    categories: tuple[str, ...] = field(default_factory=tuple)
    source: str = "rules"

    @property
    def spans(self) -> list[tuple[int, int]]:
        """Character spans of the original prompt that matched (sorted, merged)."""
        merged: list[list[int]] = []
        for start, end in sorted((m.start, m.end) for m in self.matches):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return [(s, e) for s, e in merged]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["matches"] = [asdict(m) for m in self.matches]
        data["categories"] = list(self.categories)
        return data

    def describe(self) -> str:
        """Human text for a CLI or a dialog."""
        if self.allowed:
            return "allowed"
        lines = [f"refused ({self.category}): {self.reason}"]
        if self.suggestion:
            lines.append(f"suggestion: {self.suggestion}")
        return "\n".join(lines)


ALLOWED = Verdict(allowed=True)
