"""Input images of real people: accepted only when the face is an enrolled cameo the requester may use.

Every image a generation starts from (i2v first frame, reference images, a storyboard shot's first/last
frame, frames of a video being remixed) passes `check_input_images` from check_request (preview, submit
and run) or `check_image_path` through the storyboard hook; both end in `_check_rgb`.

What counts as a photo of a person: any picture in which MediaPipe's face landmarker finds a face
(conservative: a realistic painting or a 3D render of a face counts too), except a face drawn in flat
colours (a cartoon: most of the face box is a handful of exact colours, which photos never are).
Each such face must match (face_match.similarity >= MATCH_THRESHOLD) a person cameo that is not deleted,
whose consent record verifies and whose owner lets the requester use it; the use is then authorized
(the owner's usage log notes it at submit and run) and the cameo's owner joins the safety gate's cameo
owners, so minor-profile rules and the strict cameo prompt rules apply as for an @mention.

Frames the studio itself took from its generated clips (a storyboard "continue" cut, an extension) are not
user images: their SHA-256 is registered with `register_studio_frame` when they are written, and such a
file passes without a face check.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sora_studio.core.appdirs import data_dir
from sora_studio.errors import BadInput, Refused

if TYPE_CHECKING:
    from sora_studio.core.cameo.face_match import FaceEmbedding, FaceFinder
    from sora_studio.core.cameo.store import Cameo, CameoStore

FLAT_COLOUR_SHARE = 0.5  # above this share of 8 exact colours in the face box: a drawing, not a photo
VIDEO_SAMPLES = 3  # frames checked in a video being remixed: first, middle, last
WHAT_TO_DO = ("Enroll the person as a cameo (`sora-studio cameo enroll`), use a cameo you are permitted to use "
              "(@name), or start from a non-photographic image.")

_crop_cache: dict[tuple[str, str, str], list[FaceEmbedding]] = {}


@dataclass(frozen=True)
class ImageMatch:
    """A face in an input image recognised as a cameo the requester may use."""

    path: str
    cameo_id: str
    cameo_name: str
    owner: str
    score: float


# studio frames ---------------------------------------------------------------------------------------
def _frames_db() -> sqlite3.Connection:
    path = data_dir() / "safety_studio_frames.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10)
    conn.execute("CREATE TABLE IF NOT EXISTS frames (sha256 TEXT PRIMARY KEY, source TEXT, at TEXT NOT NULL)")
    return conn


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def register_studio_frame(path: str | Path, source: str = "") -> None:
    """Note that `path` is a frame the studio took from its own generated clip (not a user image)."""
    digest = _sha256(Path(path))
    conn = _frames_db()
    try:
        with conn:
            conn.execute("INSERT OR IGNORE INTO frames (sha256, source, at) VALUES (?,?,?)",
                         (digest, source, datetime.now(timezone.utc).isoformat(timespec="seconds")))
    finally:
        conn.close()


def is_studio_frame(path: str | Path) -> bool:
    if not (data_dir() / "safety_studio_frames.sqlite3").exists():
        return False
    try:
        digest = _sha256(Path(path))
    except OSError:
        return False  # read_image then says what is wrong with the file
    conn = _frames_db()
    try:
        return conn.execute("SELECT 1 FROM frames WHERE sha256 = ?", (digest,)).fetchone() is not None
    finally:
        conn.close()


# faces -----------------------------------------------------------------------------------------------
def _faces(finder: FaceFinder, rgb: np.ndarray) -> list[FaceEmbedding]:
    """Embeddings of the photographic faces in an image (flat-colour drawings left out)."""
    from sora_studio.core.cameo.face_match import flat_colour_share

    return [f for f in finder.embeddings(rgb) if flat_colour_share(rgb, f.bbox) <= FLAT_COLOUR_SHARE]


def _decode(data: bytes) -> np.ndarray | None:
    import cv2

    bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    return None if bgr is None else np.ascontiguousarray(bgr[:, :, ::-1])


def _cameo_faces(finder: FaceFinder, store: CameoStore, cameo: Cameo) -> list[FaceEmbedding]:
    """Embeddings of a cameo's enrolled face crops and their mirror images (a selfie is often mirrored),
    decrypted in memory through the store and cached by the media's hash."""
    from sora_studio.core.cameo.face_match import pad_for_detection
    from sora_studio.core.cameo.permissions import CROP_ORDER

    out: list[FaceEmbedding] = []
    hashes = cameo.consent.get("media_sha256", {})
    for label in [label for label in CROP_ORDER if label in cameo.media]:
        key = (cameo.id, label, str(hashes.get(label)))
        if key not in _crop_cache:
            rgb = _decode(store.read_media(cameo, label))
            found = []
            for image in ([] if rgb is None else [rgb, np.ascontiguousarray(rgb[:, ::-1])]):
                found += (_faces(finder, image) or _faces(finder, pad_for_detection(image)))[:1]
            _crop_cache[key] = found
        out += _crop_cache[key]
    return out


def read_image(path: str | Path) -> np.ndarray:
    """An input image as RGB uint8; BadInput when it is missing or not a readable picture."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read the image {path}: {exc.strerror or exc}") from None
    rgb = _decode(data)
    if rgb is None:
        raise BadInput(f"{path} is not a readable image (PNG, JPEG, WebP, BMP or TIFF)")
    return rgb


def video_frames(path: str | Path, samples: int = VIDEO_SAMPLES) -> list[np.ndarray]:
    """First, middle and last frames of a video (what a remix starts from)."""
    from sora_studio.core.media.decode import VideoReader
    from sora_studio.core.media.probe import probe

    info = probe(path)
    if not info.has_video:
        return []
    reader = VideoReader(path)
    try:
        end = max(0.0, (info.duration_s or 0.0) - 1.0 / float(info.frame_rate or 24))
        return [reader.frame_at(t) for t in np.linspace(0.0, end, samples)]
    finally:
        reader.close()


# the check -------------------------------------------------------------------------------------------
def _check_rgb(finder: FaceFinder, rgb: np.ndarray, label: str, requester_id: str,
               store: CameoStore | None) -> list[ImageMatch]:
    from sora_studio.core.cameo.face_match import MATCH_THRESHOLD, similarity
    from sora_studio.core.cameo.permissions import permission_reason

    faces = _faces(finder, rgb)
    if not faces:
        return []
    cameos = [c for c in store.list() if c.kind == "person" and c.media] if store is not None else []
    enrolled = [(c, _cameo_faces(finder, store, c)) for c in cameos]  # type: ignore[arg-type]
    matches = []
    for n, face in enumerate(faces, start=1):
        scored = [(max((similarity(face, e) for e in embs), default=0.0), c) for c, embs in enrolled]
        score, cameo = max(scored, key=lambda sc: sc[0], default=(0.0, None))
        which = f"face {n} of {len(faces)} in {label}" if len(faces) > 1 else f"the face in {label}"
        if cameo is None or score < MATCH_THRESHOLD:
            how = (f"best match {score:.2f}, needed {MATCH_THRESHOLD:.2f}" if cameo is not None
                   else "no person cameo is enrolled on this machine")
            raise Refused(f"{which} looks like a photo of a real person who is not an enrolled cameo ({how}). "
                          f"{WHAT_TO_DO}")
        reason = permission_reason(store, cameo, requester_id)  # type: ignore[arg-type]
        if reason:
            raise Refused(f"{which} is cameo {cameo.name!r}, which you may not use: {reason}. Until then, use a "
                          "cameo you are permitted to use (@name) or start from a non-photographic image.")
        store.verify_consent(cameo)  # type: ignore[union-attr]
        matches.append(ImageMatch(label, cameo.id, cameo.name, cameo.owner, score))
    return matches


def check_input_images(images: list[str], videos: list[str], requester_id: str, store: CameoStore | None,
                       stage: str = "preview", job_id: str | None = None) -> list[ImageMatch]:
    """Check every input image (and sampled video frames); raise Refused naming what to do.

    At "submit" and "run" each recognised cameo is authorized again through authorize_cameo_use, which
    writes the owner's usage log (so the owner sees that a photo of them was used).
    """
    from sora_studio.core.cameo.face_match import FaceFinder

    matches: list[ImageMatch] = []
    images = [p for p in images if p and not is_studio_frame(p)]
    videos = [p for p in videos if p and Path(p).is_file() and not is_studio_frame(p) and not _generated_by_studio(p)]
    if not images and not videos:
        return []
    pictures = [(read_image(p), Path(p).name) for p in images]
    with FaceFinder() as finder:  # ~25 ms to create once MediaPipe is loaded; one per check, closed at once
        for rgb, label in pictures:
            matches += _check_rgb(finder, rgb, label, requester_id, store)
        for path in videos:
            for k, frame in enumerate(video_frames(path)):
                matches += _check_rgb(finder, frame, f"{Path(path).name} (frame sample {k + 1})", requester_id, store)
    if matches and stage != "preview":
        from sora_studio.core.cameo.permissions import authorize_cameo_use

        ids = list(dict.fromkeys(m.cameo_id for m in matches))
        for cameo_id in ids:  # one at a time: the per-shot cameo cap is for @mentions, not photos
            authorize_cameo_use([cameo_id], requester_id, store=store, job_id=job_id, with_images=False)
    return matches


def _generated_by_studio(path: str) -> bool:
    """A clip this install generated: its perceptual fingerprints match a generation in the provenance
    ledger (the ledger keeps them for every generated clip; a user's own video matches none)."""
    from sora_studio.core.provenance.fingerprint import file_fingerprints
    from sora_studio.core.provenance.ledger import Ledger

    if not (data_dir() / "provenance" / "ledger.sqlite3").exists():
        return False
    with Ledger() as ledger:
        found = ledger.by_fingerprints(file_fingerprints(path), min_score=0.9)
    return found is not None and found[0].kind == "generation"


def check_image_path(path: str) -> None:
    """The storyboard hook: a user image checked for the active profile (a dry check, nothing logged)."""
    from sora_studio.core.cameo.store import CameoStore

    store = CameoStore() if (data_dir() / "cameos").exists() else None
    try:
        profile = store.profiles.active() if store is not None else None
        check_input_images([path], [], profile.id if profile else "local", store)
    finally:
        if store is not None:
            store.close()
