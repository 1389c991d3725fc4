"""The seam the safety room fills: the check that an input image of a real person is a consenting cameo.

Storyboard shots and clip operations call `check_person_image` on every user-supplied image before use.
Until the face-matching check exists, images pass unchecked:

    from sora_studio.core.storyboard import hooks
    hooks.set_person_image_checker(my_checker)       # (path) -> None; raises Refused for unconsented people

(`@name` cameo mentions need no hook: plan_shot runs the generation check, which resolves them against the
cameo store with the requester's permissions.)
"""

from __future__ import annotations

from collections.abc import Callable

PersonImageChecker = Callable[[str], None]


def _unchecked(path: str) -> None:
    return None


_person_checker: PersonImageChecker = _unchecked


def set_person_image_checker(checker: PersonImageChecker | None) -> None:
    """Install the check that an input image showing a real person matches an enrolled, consenting cameo."""
    global _person_checker
    _person_checker = checker or _unchecked


def check_person_image(path: str) -> None:
    """Called on every user-supplied image (i2v first/last frame) before it is used; raises Refused."""
    _person_checker(path)
