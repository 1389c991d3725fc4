"""Prompt policy: `moderate(text)` says whether a prompt may be generated, and why not.

The rules are data (resources/policy/*.toml, see rules.py); this module runs them over the normalised
views of the prompt (normalize.py), blanks out each category's benign phrases first, and turns what
matched into a Verdict. The optional classifier (classifier.py) may add refusals, never remove one.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
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
    verdict = _RULE_VERDICTS.get(policy, text, cameo_present, cameo_keys)
    if verdict is None:
        verdict = _rule_verdict(policy, text, cameo_present, cameo_keys)
        _RULE_VERDICTS.put(policy, text, cameo_present, cameo_keys, verdict)
    if verdict.allowed and classifier is not None:
        return classifier.verdict(text)
    return verdict


class _VerdictCache:
    """The rules' verdicts on recent prompts, for one compiled policy (so a changed policy file, which
    load_policy compiles into a new Policy, never hits an old entry).

    A storyboard checks each shot's prompt at planning, at submit and again in the worker right before
    the pipeline; the rules are pure functions of (policy, text, cameo context), so the repeats are served
    from here. Only the rules' verdict is kept: the classifier, cameo permissions, limits and the audit
    log still run on every check (core/generation/policy.py, check.py).
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.policy: Policy | None = None
        self.entries: OrderedDict[tuple[str, bool, frozenset[str]], Verdict] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = 0

    def get(self, policy: Policy, text: str, cameo_present: bool, keys: set[str]) -> Verdict | None:
        with self.lock:
            if policy is not self.policy:
                return None
            key = (text, cameo_present, frozenset(keys))
            verdict = self.entries.get(key)
            if verdict is not None:
                self.entries.move_to_end(key)
                self.hits += 1
            return verdict

    def put(self, policy: Policy, text: str, cameo_present: bool, keys: set[str], verdict: Verdict) -> None:
        with self.lock:
            if policy is not self.policy:
                self.policy, self.entries = policy, OrderedDict()
            self.entries[(text, cameo_present, frozenset(keys))] = verdict
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.policy, self.entries, self.hits = None, OrderedDict(), 0


_RULE_VERDICTS = _VerdictCache()


def _rule_verdict(policy: Policy, text: str, cameo_present: bool, cameo_keys: set[str]) -> Verdict:
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
    return ALLOWED
