"""Undo the usual evasions before policy rules look at a prompt.

A prompt becomes a few *views*: lower-case ASCII-ish words separated by single spaces, each character
remembering where it came from in the original text (so a refusal can point at what matched).

Steps, in order: Unicode NFKC + case folding, accents stripped (NFKD minus combining marks), zero-width
and other format characters dropped, homoglyphs (Cyrillic/Greek look-alikes) mapped to Latin, letters
spaced out with spaces or punctuation ("n a k e d", "n.a.k.e.d") joined back, and — in extra views —
leetspeak undone inside words that contain letters ("n4k3d", but not "1984"). Repeated letters
("naaaked") are handled by the pattern compiler, which lets every letter repeat.
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from sora_studio.core.resources import resource_path
from sora_studio.errors import BadInput

_APOSTROPHES = frozenset("'’‘ʼ`´")
_ARTICLES = frozenset({"a", "i"})
_MAX_LETTER_GAP = 3  # separator characters allowed between spaced-out letters


@dataclass(frozen=True)
class View:
    """One normalised reading of the text; origin[i] is the index in the original of text[i]."""

    text: str
    origin: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of this view back to the original text."""
        if end <= start:
            return self.origin[start], self.origin[start]
        return self.origin[start], self.origin[end - 1] + 1


@dataclass(frozen=True)
class Tables:
    homoglyphs: dict[str, str]
    leet: dict[str, str]
    leet_ambiguous: dict[str, tuple[str, ...]]


@lru_cache(maxsize=4)
def load_tables(path: str | None = None) -> Tables:
    """Read the homoglyph and leetspeak tables (resources/policy/normalisation.toml)."""
    file = resource_path("policy", "normalisation.toml") if path is None else path
    try:
        with open(file, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BadInput(f"cannot read the normalisation table {file}: {exc}") from exc
    return Tables(
        homoglyphs={k: str(v) for k, v in data.get("homoglyphs", {}).items()},
        leet={k: str(v) for k, v in data.get("leet", {}).items()},
        leet_ambiguous={k: tuple(v) for k, v in data.get("leet_ambiguous", {}).items()},
    )


# --- step 1: characters -------------------------------------------------------------------------


def _fold_characters(text: str, tables: Tables) -> list[tuple[str, int]]:
    """NFKC, casefold, strip accents and invisible characters, map homoglyphs; keep each char's origin."""
    out: list[tuple[str, int]] = []
    for index, char in enumerate(text):
        if unicodedata.category(char) == "Cf":  # zero-width space/joiners, soft hyphen, BOM, ...
            continue
        folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", char).casefold())
        for part in folded:
            if unicodedata.category(part).startswith("M"):  # accents, variation selectors, zalgo marks
                continue
            for mapped in tables.homoglyphs.get(part, part):
                out.append((mapped, index))
    return out


def _kind(char: str, tables: Tables) -> str:
    if char in _APOSTROPHES:
        return "drop"
    if char.isalnum():
        return "alnum"
    if char in tables.leet or char in tables.leet_ambiguous:
        return "symbol"
    return "sep"


# --- step 2: tokens, with spaced-out letters joined ----------------------------------------------

Token = list[tuple[str, int]]


def _is_possessive(chars: list[tuple[str, int]], index: int) -> bool:
    after = chars[index + 1 : index + 3]
    return bool(after) and after[0][0] == "s" and (len(after) == 1 or not after[1][0].isalnum())


def _ends_word(chars: list[tuple[str, int]], index: int, tables: Tables) -> bool:
    return index + 1 == len(chars) or _kind(chars[index + 1][0], tables) == "sep"


def _tokenise(chars: list[tuple[str, int]], tables: Tables) -> list[tuple[Token, str]]:
    """Split into tokens; each token carries the separator text that preceded it."""
    tokens: list[tuple[Token, str]] = []
    current: Token = []
    gap = ""
    for index, (char, origin) in enumerate(chars):
        kind = _kind(char, tables)
        if kind == "drop" and not _is_possessive(chars, index):
            continue  # "don't" -> "dont"
        if kind == "drop":
            kind = "sep"  # "Al Gore's" -> "al gore s", so the name still matches
        if kind == "symbol" and current and _ends_word(chars, index, tables):
            kind = "sep"  # "naked!" ends with punctuation, not with a leet letter
        if kind == "sep":
            if current:
                tokens.append((current, gap))
                current, gap = [], ""
            gap += char
        else:
            current.append((char, origin))
    if current:
        tokens.append((current, gap))
    return tokens


def _join_spaced_letters(tokens: list[tuple[Token, str]]) -> list[Token]:
    """Join runs of >= 3 one-character tokens split by short separators ("n a k e d", "s.e.x", "n_a-k.e d")."""
    result: list[Token] = []
    i = 0
    while i < len(tokens):
        j = i
        if len(tokens[i][0]) == 1:
            j = i + 1
            while j < len(tokens) and len(tokens[j][0]) == 1 and len(tokens[j][1]) <= _MAX_LETTER_GAP:
                j += 1
        run = [tok for tok, _ in tokens[i:j]]
        if len(run) >= 3:
            if len(run) >= 4 and run[0][0][0] in _ARTICLES:
                result.append(run[0])  # "a n a k e d": keep the article apart
                run = run[1:]
            result.append([pair for tok in run for pair in tok])
            i = j
        else:
            result.append(tokens[i][0])
            i += 1
    return result


# --- step 3: views ---------------------------------------------------------------------------------


def _render(tokens: list[Token], tables: Tables, one_as: str | None) -> View:
    """Lay tokens out as 'word word'; with one_as set, undo leetspeak inside tokens that have letters."""
    chars: list[str] = []
    origin: list[int] = []

    def add_space() -> None:
        if chars and chars[-1] != " ":
            chars.append(" ")
            origin.append(origin[-1])

    for token in tokens:
        has_letter = any(c.isalpha() for c, _ in token)
        add_space()
        for pos, (char, where) in enumerate(token):
            if char.isalpha() or (char.isdigit() and (one_as is None or not has_letter)):
                chars.append(char)
                origin.append(where)
                continue
            if one_as is not None and has_letter and not (char == "@" and pos == 0):
                mapped = tables.leet.get(char)
                if mapped is None and char in tables.leet_ambiguous:
                    options = tables.leet_ambiguous[char]
                    mapped = one_as if one_as in options else options[0]
                if mapped is not None:
                    for m in mapped:
                        chars.append(m)
                        origin.append(where)
                    continue
            if char.isdigit():
                chars.append(char)
                origin.append(where)
            else:
                add_space()  # a symbol that is not leet here separates words ("@alice", "$100")
    while chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return View("".join(chars), tuple(origin))


def normalise(text: str, tables: Tables | None = None) -> list[View]:
    """All views of `text` worth matching: plain first, then leetspeak readings (1 as i, 1 as l)."""
    tables = tables or load_tables()
    tokens = _join_spaced_letters(_tokenise(_fold_characters(text, tables), tables))
    views = [_render(tokens, tables, None)]
    for one_as in ("i", "l"):
        view = _render(tokens, tables, one_as)
        if all(view.text != v.text for v in views):
            views.append(view)
    return views


def plain(text: str) -> str:
    """The plain view's text alone (used for pattern words, names and excerpts)."""
    return normalise(text)[0].text


def name_key(name: str) -> str:
    """A comparison key for a person's name: plain view without spaces ("@Taylor-Swift" -> "taylorswift")."""
    return plain(name).replace(" ", "")
