"""Cameo speakers: a dialogue speaker written `@name` is that cameo, and its voice is their enrolled sample.

A cloning use goes through the cameo room's gate, `authorize_cameo_use` (a revoked, deleted or not-shared
cameo is Refused; uses and refusals land in the owner's usage log). A backend that cannot clone uses only
the name: the same permission rule is checked (`permission_reason`), without a usage-log entry, so timing
previews do not flood the owner's log. Only for a backend that can clone is the
sealed voice recording decrypted, into a private temp folder (0700, file 0600) that is removed when the
`with` block ends. The sample and anything computed from it (the x-vector) are biometric data: they are
never written into clip metadata, recipes or provenance - callers record only the cameo id.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sora_studio.errors import BadInput, Refused

VOICE_LABEL = "voice"  # the label enrollment stores the voice recording under (cameo/enroll.py `register`)


def cameo_name(speaker: str) -> str | None:
    """'@alice' -> 'alice'; a speaker that is not a cameo mention -> None."""
    speaker = str(speaker).strip()
    if not speaker.startswith("@") or len(speaker) < 2:
        return None
    return speaker[1:].lower()


@dataclass
class CameoVoices:
    """The cleared cameo speakers of one dialogue pass: speaker -> cameo id, and (cloning only) -> sample."""

    cameo_ids: dict[str, str] = field(default_factory=dict)
    samples: dict[str, Path] = field(default_factory=dict)


@contextmanager
def cameo_voices(speakers: Iterable[str], requester_profile_id: str | None = None, *, clone: bool = True,
                 store: Any = None) -> Iterator[CameoVoices]:
    """Authorize every `@name` speaker for `requester_profile_id` (default: this machine's active profile)
    and, when `clone`, decrypt each one's enrolled voice sample for the duration of the block."""
    names = {s: cameo_name(s) for s in dict.fromkeys(speakers)}
    names = {s: n for s, n in names.items() if n}
    found = CameoVoices()
    if not names:
        yield found
        return
    from sora_studio.core.cameo import active_profile, authorize_cameo_use
    from sora_studio.core.cameo.store import CameoStore

    own_store = store is None
    store = store or CameoStore()
    folder: Path | None = None
    try:
        requester = requester_profile_id or active_profile(store).id
        for speaker, name in names.items():
            if not clone:  # only the name is used: checked like a use, but not logged as one
                found.cameo_ids[speaker] = _check_quietly(store, name, requester)
                continue
            reference = authorize_cameo_use([name], requester, store=store, with_images=False)[0]
            found.cameo_ids[speaker] = reference.cameo_id
            cameo = store.require(reference.cameo_id)
            if VOICE_LABEL not in cameo.media:
                raise BadInput(f"cameo {cameo.name!r} has no enrolled voice sample to clone; its owner can enroll "
                               "again with speech, or pick a TTS voice for this speaker instead")
            folder = folder or Path(tempfile.mkdtemp(prefix="sora-cameo-voice-"))  # mode 0700
            path = folder / f"voice-{len(found.samples)}.wav"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(store.read_media(cameo, VOICE_LABEL))
            found.samples[speaker] = path
        yield found
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        if own_store:
            store.close()


def _check_quietly(store: Any, name: str, requester: str) -> str:
    """The cameo id when `requester` may use cameo `name` now; Refused (the gate's wording) when not."""
    from sora_studio.core.cameo.permissions import permission_reason

    cameo = store.find(name)
    if cameo is None:
        raise Refused(f"unknown cameo {name!r}: see `sora-studio cameo list`")
    reason = permission_reason(store, cameo, requester)
    if reason:
        raise Refused(reason)
    return cameo.id
