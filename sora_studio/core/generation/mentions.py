"""`@name` cameo mentions in a prompt: which cameos a prompt asks for, and the text the model should see.

Why replace the mention: a text encoder has never heard of "@alice" (and a name can read like someone
famous), while the cameo's face reaches the model as a reference image. So each mention becomes a neutral
description of what the cameo is ("the person"; "the first person" / "the second person" when a shot has
two people; "the pet", "the object"). The original prompt, mentions included, is what moderation sees.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# "@" not preceded by a word character, "@" or "." (so e-mail addresses are not mentions); cameo names are
# a-z 0-9 - _ . (see core/cameo/store.check_cameo_name), compared without case.
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_][A-Za-z0-9_.\-]*)")
_ORDINALS = ("first", "second", "third", "fourth")


def _name(raw: str) -> str:
    """A mention's cameo name: lower case, without the sentence's trailing '.' or '-' ("@alice." -> alice)."""
    return raw.rstrip(".-").lower()


def find_mentions(prompt: str) -> list[str]:
    """The cameo names mentioned with @, in order of first appearance, each once."""
    names = (_name(m.group(1)) for m in MENTION.finditer(prompt or ""))
    return list(dict.fromkeys(n for n in names if n))


def neutral_descriptions(kinds: Sequence[str]) -> list[str]:
    """One description per cameo (by kind, in shot order): 'the person', or 'the first person' ... when
    several cameos of the same kind share the shot."""
    out = []
    for i, kind in enumerate(kinds):
        same = [k for k in kinds if k == kind]
        if len(same) == 1:
            out.append(f"the {kind}")
        else:
            index = sum(1 for k in kinds[:i] if k == kind)
            ordinal = _ORDINALS[index] if index < len(_ORDINALS) else f"#{index + 1}"
            out.append(f"the {ordinal} {kind}")
    return out


def replace_mentions(prompt: str, descriptions: dict[str, str]) -> str:
    """The prompt with each `@name` in `descriptions` (keys: lower-case names) replaced by its description.

    A mention at the start of the prompt gets a capital letter ("@alice waves" -> "The person waves").
    Mentions not in `descriptions` are left as they are.
    """

    def swap(match: re.Match[str]) -> str:
        raw = match.group(1)
        name = _name(raw)
        if name not in descriptions:
            return match.group(0)
        text = descriptions[name]
        before = prompt[: match.start()].rstrip()
        if not before or before.endswith((".", "!", "?")):
            text = text[:1].upper() + text[1:]
        return text + raw[len(raw.rstrip(".-")):]  # keep the sentence's trailing punctuation

    return MENTION.sub(swap, prompt)
