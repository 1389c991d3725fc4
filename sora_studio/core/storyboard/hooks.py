"""The seam between the storyboard and the safety room: input images of real people must be consenting cameos.

Storyboard shots and clip operations call `check_person_image` on every user-supplied image before use. By
default it is the same check check_request applies to a generation's input images
(core/safety/person_image.check_image_path: a photographed face must match a cameo the active profile may
use); tests or embedders may install another:

    from sora_studio.core.storyboard import hooks
    hooks.set_person_image_checker(my_checker)       # (path) -> None; raises Refused for unconsented people
    hooks.set_person_image_checker(None)             # back to the built-in check

Frames the studio takes from its own generated clips (continue cuts, extensions) are not user images:
whoever writes one calls `register_studio_frame(path)`, and the check lets that exact file through.

(`@name` cameo mentions need no hook: plan_shot runs the generation check, which resolves them against the
cameo store with the requester's permissions.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

PersonImageChecker = Callable[[str], None]


def _builtin(path: str) -> None:
    from sora_studio.core.safety.person_image import check_image_path

    check_image_path(path)


_person_checker: PersonImageChecker = _builtin


def set_person_image_checker(checker: PersonImageChecker | None) -> None:
    """Install the check that an input image showing a real person matches an enrolled, consenting cameo."""
    global _person_checker
    _person_checker = checker or _builtin


def check_person_image(path: str) -> None:
    """Called on every user-supplied image (i2v first/last frame) before it is used; raises Refused."""
    _person_checker(path)


def register_studio_frame(path: str | Path, source: str = "") -> None:
    """Mark a frame extracted from the project's own generated clip as studio material (not a user image)."""
    from sora_studio.core.safety.person_image import register_studio_frame as register

    register(path, source)
