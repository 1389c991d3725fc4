"""Seams the cameo and safety rooms fill: cameo resolution and the real-person image check.

Both are module-level functions behind a replaceable callable so that the cameo helper can install the
real implementation at import time without this package importing it:

    from sora_studio.core.storyboard import hooks
    hooks.set_cameo_resolver(my_resolver)            # (names) -> list[CameoRef]; raises BadInput/Refused
    hooks.set_person_image_checker(my_checker)       # (path) -> None; raises Refused for unconsented people

Until then, any `@name` mention is refused with "unknown cameo @name", and images pass unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sora_studio.errors import BadInput


@dataclass(frozen=True)
class CameoRef:
    """A resolved, authorised cameo: what a generation needs (ids for the recipe, reference images for VACE)."""

    name: str
    cameo_id: str
    reference_images: tuple[str, ...] = field(default_factory=tuple)


CameoResolver = Callable[[list[str]], list[CameoRef]]
PersonImageChecker = Callable[[str], None]


def _no_cameos(names: list[str]) -> list[CameoRef]:
    if names:
        raise BadInput(f"unknown cameo @{names[0]}: no cameo called {names[0]!r} is enrolled "
                       "(enroll it with `sora-studio cameo enroll`, or remove the mention)")
    return []


def _unchecked(path: str) -> None:
    return None


_resolver: CameoResolver = _no_cameos
_person_checker: PersonImageChecker = _unchecked


def set_cameo_resolver(resolver: CameoResolver | None) -> None:
    """Install the cameo room's resolver (None restores the default that refuses every mention)."""
    global _resolver
    _resolver = resolver or _no_cameos


def set_person_image_checker(checker: PersonImageChecker | None) -> None:
    """Install the check that an input image showing a real person matches an enrolled, consenting cameo."""
    global _person_checker
    _person_checker = checker or _unchecked


def resolve_cameos(names: list[str]) -> list[CameoRef]:
    """Cameo references for `@name` mentions, in order; BadInput "unknown cameo @name" / Refused (no consent)."""
    return _resolver(list(names)) if names else []


def check_person_image(path: str) -> None:
    """Called on every user-supplied image (i2v first/last frame) before it is used; raises Refused."""
    _person_checker(path)
