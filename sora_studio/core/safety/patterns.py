"""A small pattern language for policy rules, compiled to regular expressions over normalised views.

Rules are data (resources/policy/*.toml), so the language is kept small enough to read in a review:

  naked                a word (every letter may repeat: "naaaked"); spaces inside a phrase may be missing
  blow job             a phrase ("blow job", "blowjob")
  decapitat*           a word prefix ("decapitated", "decapitation")
  {person}             any entry of the named set (sets may use sets)
  the?  {det}?         an optional word or set entry
  ~4                   up to 4 arbitrary words in between
  re:REGEX             a raw regular expression over the normalised text (for ages, numbers)

Pattern words are normalised exactly like prompts (accents stripped, case folded), so data files may
use "niña" or "décapité". Matches always start and end on word boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from sora_studio.core.safety.normalize import plain
from sora_studio.errors import BadInput

_SET_REF = re.compile(r"^\{([a-z0-9_]+)\}(\??)$")
_GAP = re.compile(r"^~(\d{1,2})$")


def _word_regex(word: str) -> str:
    """Regex for one normalised word: each run of a letter matches that letter repeated at least as often."""
    out: list[str] = []
    i = 0
    while i < len(word):
        j = i
        while j < len(word) and word[j] == word[i]:
            j += 1
        char, count = word[i], j - i
        if char.isalpha():
            out.append(re.escape(char) + ("+" if count == 1 else f"{{{count},}}"))
        else:
            out.append(re.escape(char * count))
        i = j
    return "".join(out)


class PatternCompiler:
    """Compiles patterns with access to named sets; set expansions are cached."""

    def __init__(self, sets: Mapping[str, Iterable[str]], where: str = "policy") -> None:
        self._sets = {name: list(items) for name, items in sets.items()}
        self._where = where
        self._cache: dict[str, str] = {}
        self._expanding: set[str] = set()

    def _set_regex(self, name: str) -> str:
        if name in self._cache:
            return self._cache[name]
        if name not in self._sets:
            raise BadInput(f"{self._where}: unknown set {{{name}}}; define it under [sets]")
        if name in self._expanding:
            raise BadInput(f"{self._where}: set {{{name}}} refers to itself")
        self._expanding.add(name)
        try:
            alternatives = sorted({self.body(item) for item in self._sets[name]}, key=len, reverse=True)
        finally:
            self._expanding.discard(name)
        regex = "(?:" + "|".join(alternatives) + ")"
        self._cache[name] = regex
        return regex

    def body(self, pattern: str) -> str:
        """Regex for a pattern without the outer word boundaries."""
        pattern = pattern.strip()
        if not pattern:
            raise BadInput(f"{self._where}: empty pattern")
        if pattern.startswith("re:"):
            raw = pattern[3:]
            try:
                re.compile(raw)
            except re.error as exc:
                raise BadInput(f"{self._where}: bad regular expression {raw!r}: {exc}") from exc
            return f"(?:{raw})"
        pieces: list[tuple[str, bool]] = []  # (regex, optional); gaps are marked with optional=None
        gaps: list[int] = []
        for raw_token in pattern.split():
            gap = _GAP.match(raw_token)
            if gap:
                gaps.append(len(pieces))
                pieces.append((rf"(?:\s\w+(?!\w)){{0,{int(gap.group(1))}}}", False))
                continue
            ref = _SET_REF.match(raw_token)
            if ref:
                pieces.append((self._set_regex(ref.group(1)), bool(ref.group(2))))
                continue
            optional = raw_token.endswith("?") and len(raw_token) > 1
            token = raw_token[:-1] if optional else raw_token
            prefix = token.endswith("*") and len(token) > 1
            token = token[:-1] if prefix else token
            words = plain(token).split()
            if not words:
                raise BadInput(f"{self._where}: pattern word {raw_token!r} has no letters or digits")
            regex = r"\s?".join(_word_regex(w) for w in words) + (r"\w*" if prefix else "")
            pieces.append((regex, optional))
        return self._join(pieces, set(gaps))

    @staticmethod
    def _join(pieces: list[tuple[str, bool]], gap_indices: set[int]) -> str:
        out = ""
        first = True
        for index, (regex, optional) in enumerate(pieces):
            if index in gap_indices:
                out += regex
                continue
            if first:
                out += f"(?:{regex}\\s?)?" if optional else regex
                first = False
            else:
                out += f"(?:\\s?{regex})?" if optional else f"\\s?{regex}"
        return out

    def compile(self, patterns: Iterable[str]) -> re.Pattern[str] | None:
        """One regex matching any of the patterns on word boundaries (None for an empty list)."""
        bodies = [self.body(p) for p in patterns]
        if not bodies:
            return None
        return re.compile(r"(?<!\w)(?:" + "|".join(bodies) + r")(?!\w)")
