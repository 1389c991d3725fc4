"""Prompt policy: `moderate(text)` says whether a prompt may be generated, and why not.

The rules are data (resources/policy/*.toml, see rules.py); this module runs them over the normalised
views of the prompt (normalize.py), blanks out each category's benign phrases first, and turns what
matched into a Verdict. The optional classifier (classifier.py) may add refusals, never remove one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sora_studio.core.safety.normalize import View, name_key, normalise
from sora_studio.core.safety.rules import Category, Policy, load_policy
from sora_studio.core.safety.verdict import ALLOWED, Match, Verdict
from sora_studio.errors import BadInput

if TYPE_CHECKING:
    from sora_studio.core.safety.classifier import TextClassifier

MAX_PROMPT_CHARS = 20_000


def _mask(text: str, allow: Iterable[re.Pattern[str] | None]) -> str:
    """Blank benign phrases with '_' (never in a pattern) so rules cannot match inside them."""
    chars = list(text)
    for regex in allow:
        if regex is None:
            continue
        for m in regex.finditer(text):
            chars[m.start() : m.end()] = "_" * (m.end() - m.start())
    return "".join(chars)


def _category_matches(
    category: Category, policy: Policy, views: list[View], text: str, cameo_keys: set[str]
) -> list[Match]:
    found: list[Match] = []
    for view in views:
        masked = _mask(view.text, (policy.global_allow, category.allow))
        checks: list[tuple[str, re.Pattern[str]]] = []
        if category.kind == "rules":
            checks = [(rule.id, rule.regex) for rule in category.rules]
        elif category.kind == "people":
            checks = [(p.name, p.regex) for p in category.people if not (p.keys & cameo_keys)]
        else:
            checks = [(f"{e.name} ({e.holder})", e.regex) for e in category.entries if e.opted_out]
        for rule_id, regex in checks:
            for m in regex.finditer(masked):
                start, end = view.original_span(m.start(), m.end())
                found.append(Match(category.id, rule_id, start, end, text[start:end]))
    unique: dict[tuple[str, int, int], Match] = {}
    for match in found:
        unique.setdefault((match.rule, match.start, match.end), match)
    return sorted(unique.values(), key=lambda m: (m.start, m.end))


def _explain(category: Category, matches: list[Match]) -> str:
    rules = {r.id: r.explain for r in category.rules}
    shown: list[str] = []
    for match in matches[:3]:
        quoted = f"\u201c{match.text.strip()}\u201d"
        if category.kind == "rules":
            shown.append(f"{quoted} ({rules.get(match.rule, match.rule)})")
        elif category.kind == "people":
            shown.append(f"{quoted} (a real person: {match.rule})")
        else:
            shown.append(f"{quoted} (owned by {match.rule.rsplit(' (', 1)[-1].rstrip(')')}, who opted out)")
    return f"{category.reason} It matched {', '.join(dict.fromkeys(shown))}."


def moderate(
    text: str,
    cameo_present: bool = False,
    cameo_names: Iterable[str] = (),
    *,
    policy: Policy | None = None,
    classifier: TextClassifier | None = None,
) -> Verdict:
    """Judge a prompt. With a cameo present the stricter cameo rules apply too; `cameo_names` are the
    people present as permitted cameos (a public figure named among them is not refused)."""
    if not isinstance(text, str):
        raise BadInput("the prompt must be text")
    if len(text) > MAX_PROMPT_CHARS:
        raise BadInput(f"the prompt is too long ({len(text)} characters; at most {MAX_PROMPT_CHARS})")
    policy = policy or load_policy()
    names = [n for n in cameo_names if n and n.strip()]
    cameo_present = cameo_present or bool(names)
    cameo_keys = {name_key(n) for n in names}
    views = normalise(text)
    decided: tuple[Category, list[Match]] | None = None
    all_matches: list[Match] = []
    categories: list[str] = []
    for category in policy.categories:  # highest priority first
        if category.when == "cameo" and not cameo_present:
            continue
        matches = _category_matches(category, policy, views, text, cameo_keys)
        if matches:
            categories.append(category.id)
            all_matches += matches
            if decided is None:
                decided = (category, matches)
    if decided is not None:
        category, matches = decided
        return Verdict(
            allowed=False,
            category=category.id,
            reason=_explain(category, matches),
            suggestion=category.suggestion,
            matches=tuple(all_matches),
            categories=tuple(categories),
            source="rules",
        )
    if classifier is not None:
        return classifier.verdict(text)
    return ALLOWED
