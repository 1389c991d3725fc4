"""Who may put a cameo in a shot, checked every time it is used, and the owner's view of every use.

Modes: only-me, approved (people the owner approves), mutuals (approved each other), everyone.
`authorize_cameo_use` is the single gate: the generate command calls it before queueing and the render
worker calls it again right before rendering, so a revoke blocks queued jobs too. References hand out
decrypted face crops in a private temp dir that is removed on close (or at exit).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sora_studio.core.cameo.profiles import Profile
from sora_studio.core.cameo.store import Cameo, CameoStore
from sora_studio.errors import BadInput, Refused

MODES = ("only-me", "approved", "mutuals", "everyone")
MAX_CAMEOS_PER_SHOT = 2
CROP_ORDER = ("front", "left", "right", "up", "down")
_open_dirs: set[str] = set()


@dataclass
class CameoReference:
    """A cameo cleared for one use: id, owner and decrypted reference images (front first)."""

    cameo_id: str
    name: str
    owner: str
    kind: str
    images: list[Path] = field(default_factory=list)
    temp_dir: Path | None = None

    def close(self) -> None:
        """Delete the decrypted copies."""
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            _open_dirs.discard(str(self.temp_dir))
            self.temp_dir = None
            self.images = []

    def __enter__(self) -> CameoReference:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@atexit.register
def _remove_leftovers() -> None:
    for path in list(_open_dirs):
        shutil.rmtree(path, ignore_errors=True)


def _log(store: CameoStore, cameo: Cameo, requester: str, action: str, job_id: str | None = None,
         clip: str | None = None) -> None:
    store.conn.execute("INSERT INTO usage (cameo_id, requester, job_id, clip, action, at) VALUES (?,?,?,?,?,?)",
                       (cameo.id, requester, job_id, clip, action, datetime.now(timezone.utc).isoformat(timespec="seconds")))


def permission_reason(store: CameoStore, cameo: Cameo, requester_id: str) -> str | None:
    """Why `requester_id` may not use `cameo` right now, or None when they may."""
    if cameo.deleted:
        return f"cameo {cameo.name!r} was deleted by its owner"
    if cameo.revoked:
        return f"cameo {cameo.name!r} was revoked by its owner"
    if requester_id == cameo.owner:
        return None
    if store.profiles.get(requester_id) is None:
        return f"unknown profile {requester_id!r}"
    if cameo.mode == "everyone":
        return None
    if cameo.mode == "approved" and requester_id in store.profiles.approved_by(cameo.owner):
        return None
    if cameo.mode == "mutuals" and store.profiles.are_mutuals(cameo.owner, requester_id):
        return None
    wording = {"only-me": "only its owner", "approved": "people its owner approved", "mutuals": "its owner's mutuals"}
    return f"cameo {cameo.name!r} may be used by {wording.get(cameo.mode, cameo.mode)} only; ask its owner for access"


def authorize_cameo_use(names: list[str], requester_profile_id: str, *, store: CameoStore | None = None,
                        job_id: str | None = None, clip: str | None = None,
                        with_images: bool = True) -> list[CameoReference]:
    """Check every named cameo for this requester and return references, or raise Refused saying why.

    Call it when a job is queued and again in the worker right before rendering (revokes apply at once).
    Each success is written to the owner's usage log.
    """
    names = [n for n in dict.fromkeys(n.strip() for n in names) if n]
    if len(names) > MAX_CAMEOS_PER_SHOT:
        raise Refused(f"at most {MAX_CAMEOS_PER_SHOT} cameos per shot ({len(names)} given): split the shot")
    if not names:
        return []
    own_store = store is None
    store = store or CameoStore()
    references: list[CameoReference] = []
    try:
        cameos = []
        for name in names:
            cameo = store.find(name)
            if cameo is None:
                raise Refused(f"unknown cameo {name!r}: see `sora-studio cameo list`")
            reason = permission_reason(store, cameo, requester_profile_id)
            if reason:
                _log(store, cameo, requester_profile_id, "refused", job_id, clip)
                raise Refused(reason)
            store.verify_consent(cameo)
            cameos.append(cameo)
        for cameo in cameos:
            ref = CameoReference(cameo.id, cameo.name, cameo.owner, cameo.kind)
            references.append(ref)
            if with_images:
                _decrypt_images(store, cameo, ref)
            _log(store, cameo, requester_profile_id, "authorized", job_id, clip)
        return references
    except BaseException:
        for ref in references:
            ref.close()
        raise
    finally:
        if own_store:
            store.close()


def _decrypt_images(store: CameoStore, cameo: Cameo, ref: CameoReference) -> None:
    labels = [label for label in CROP_ORDER if label in cameo.media] + \
             sorted(label for label in cameo.media if label.startswith("clip_"))
    ref.temp_dir = Path(tempfile.mkdtemp(prefix=f"sora-cameo-{cameo.id}-"))  # mode 0700
    _open_dirs.add(str(ref.temp_dir))
    for label in labels:
        path = ref.temp_dir / f"{label}.png"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(store.read_media(cameo, label))
        ref.images.append(path)


# owner actions ----------------------------------------------------------------------------------
def _owned(store: CameoStore, name: str, owner_id: str) -> Cameo:
    cameo = store.require(name)
    if cameo.owner != owner_id:
        raise Refused(f"only the owner of cameo {cameo.name!r} can change it")
    return cameo


def set_mode(store: CameoStore, name: str, owner_id: str, mode: str) -> Cameo:
    """Change who may use the cameo; this also lifts a revoke (the owner is choosing again)."""
    if mode not in MODES:
        raise BadInput(f"mode must be one of {', '.join(MODES)}")
    cameo = _owned(store, name, owner_id)
    store.update(cameo, mode=mode, revoked=0)
    return store.require(cameo.id)


def grant_to(store: CameoStore, name: str, owner_id: str, profile_ref: str) -> Cameo:
    """Approve a profile; a cameo that was 'only-me' (or revoked) moves to 'approved'."""
    cameo = _owned(store, name, owner_id)
    other = store.profiles.require(profile_ref)
    store.profiles.approve(owner_id, other.id)
    mode = "approved" if cameo.mode == "only-me" else cameo.mode
    store.update(cameo, mode=mode, revoked=0)
    return store.require(cameo.id)


def revoke(store: CameoStore, name: str, owner_id: str) -> Cameo:
    cameo = _owned(store, name, owner_id)
    store.update(cameo, revoked=1)
    return store.require(cameo.id) if not cameo.deleted else cameo


def delete(store: CameoStore, name: str, owner_id: str) -> list[str]:
    """Purge the enrollment media; the signed consent record remains as a tombstone."""
    cameo = _owned(store, name, owner_id)
    return store.purge(cameo)


def usage(store: CameoStore, name: str, owner_id: str) -> list[dict]:
    """The owner's usage log for a cameo: who, which job/clip, when, authorized or refused."""
    cameo = _owned(store, name, owner_id)
    rows = store.conn.execute("SELECT requester, job_id, clip, action, at FROM usage WHERE cameo_id = ? ORDER BY id",
                              (cameo.id,))
    out = []
    for row in rows:
        who = store.profiles.get(row["requester"])
        out.append({"requester": row["requester"], "requester_name": who.name if who else None,
                    "job_id": row["job_id"], "clip": row["clip"], "action": row["action"], "at": row["at"]})
    return out


def record_clip(store: CameoStore, cameo_id: str, requester_id: str, clip: str, job_id: str | None = None) -> None:
    """Note the media file a render produced with this cameo (the owner can later delete it)."""
    cameo = store.find(cameo_id)
    if cameo is not None:
        _log(store, cameo, requester_id, "rendered", job_id, str(clip))


def clips_using(store: CameoStore, name: str, owner_id: str) -> list[Path]:
    cameo = _owned(store, name, owner_id)
    rows = store.conn.execute("SELECT DISTINCT clip FROM usage WHERE cameo_id = ? AND clip IS NOT NULL", (cameo.id,))
    return [Path(r["clip"]) for r in rows]


def delete_clips_using(store: CameoStore, name: str, owner_id: str) -> list[Path]:
    """Delete every recorded clip file made with the cameo; returns the files removed."""
    removed = []
    for path in clips_using(store, name, owner_id):
        if path.is_file():
            path.unlink()
            removed.append(path)
    return removed


def active_profile(store: CameoStore | None = None) -> Profile:
    """The profile this machine acts as (for requests that do not name one); BadInput when none exists."""
    own_store = store is None
    store = store or CameoStore()
    try:
        profile = store.profiles.active()
    finally:
        if own_store:
            store.close()
    if profile is None:
        raise BadInput("no cameo profile on this machine: create one with `sora-studio cameo profile create NAME`")
    return profile
