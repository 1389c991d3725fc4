"""The permission/policy seam every job passes: model capabilities, cameo consent and the safety gate.

`check_request(request, stage=...)` runs at three moments, with the same rules and different side effects:

Input pictures (the i2v first frame, an FLF2V last frame, reference images, frames of a remixed video) showing a real person's
face must match a cameo the requester may use (core/safety/person_image.py); at submit and run that use is
authorized and logged like an @mention.

- "preview" (default): a dry check for live form validation. Records nothing.
- "submit": when a job is queued (EngineClient.submit, the farm client, storyboards). A refusal is written
  to the safety audit log; each cameo is authorized (the owner's usage log notes it), without images.
- "run": in the worker right before the pipeline (runner.generate calls it), so a cameo revoked while the
  job waited is refused. This is the counted gate: `check_generation` writes the generation to the audit
  log (daily limits) and the cameos are authorized again, now with their decrypted face crops.

It returns a `Clearance` (the requester, the cameo references, the prompt the model should see); close it
(or use `with`) to delete decrypted crops. Refusals raise errors.Refused, bad requests errors.BadInput.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sora_studio.core.appdirs import data_dir
from sora_studio.core.generation.mentions import find_mentions, neutral_descriptions, replace_mentions
from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.generation.rules import check_prompt
from sora_studio.core.models.manifest import Manifest, get_manifest, load_manifests
from sora_studio.errors import BadInput, Refused

if TYPE_CHECKING:
    from sora_studio.core.cameo.permissions import CameoReference
    from sora_studio.core.cameo.store import CameoStore
    from sora_studio.core.safety.limits import ProfileRef
    from sora_studio.core.safety.verdict import Verdict

Stage = Literal["preview", "submit", "run"]
STAGES = ("preview", "submit", "run")
LOCAL_PROFILE_ID = "local"  # who generates when this machine has no cameo profile (adult limits apply)


@dataclass
class Clearance:
    """What a passed check hands to the runner: who asked, the cleared cameos, the prompt for the model."""

    requester: ProfileRef
    prompt: str
    cameos: list[CameoReference] = field(default_factory=list)

    @property
    def cameo_ids(self) -> list[str]:
        return [ref.cameo_id for ref in self.cameos]

    def close(self) -> None:
        """Delete the decrypted face crops (run stage)."""
        for ref in self.cameos:
            ref.close()

    def __enter__(self) -> Clearance:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def cameo_names(request: GenerationRequest) -> list[str]:
    """The cameos a request asks for: `@name` mentions in the prompt, then `request.cameos`, each once."""
    names = find_mentions(request.prompt) + [n.strip().lower() for n in request.cameos if n and n.strip()]
    return list(dict.fromkeys(names))


def check_request(request: GenerationRequest, *, stage: Stage = "preview", job_id: str | None = None) -> Clearance:
    """Raise BadInput/Refused when `request` must not run; return its Clearance when it may."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}")
    manifest = get_manifest(request.model_id)
    check_prompt(request.prompt)
    if request.image and "i2v" not in manifest.capabilities:
        raise BadInput(f"{manifest.id} cannot start from an image; choose an image-to-video model")
    if request.video and "v2v" not in manifest.capabilities:
        raise BadInput(f"{manifest.id} cannot remix a video; choose a model with v2v (e.g. wan2.1-vace-1.3b)")
    if request.reference_images and "reference" not in manifest.capabilities:
        raise BadInput(f"{manifest.id} does not take reference images; choose a VACE model")
    names = cameo_names(request)
    if names:
        check_cameo_capability(manifest, request, len(names))
    store = _open_store(required=bool(names))
    try:
        requester = _requester(request, store)
        refs = _authorize(_one_per_cameo(names, store), requester, store, stage, job_id) if names else []
        try:
            pictured = _input_image_cameos(request, requester, store, stage, job_id)
            owners = [ref.owner for ref in refs] + [m.owner for m in pictured]
            display = [ref.name for ref in refs] + [m.cameo_name for m in pictured]
            _safety_gate(request.prompt, requester, owners, _remix_parent_owners(request, store), display, stage)
            descriptions = dict(zip([ref.name.lower() for ref in refs], neutral_descriptions([r.kind for r in refs])))
            return Clearance(requester, replace_mentions(request.prompt, descriptions), refs)
        except BaseException:
            for ref in refs:
                ref.close()
            raise
    finally:
        if store is not None:
            store.close()


def check_cameo_capability(manifest: Manifest, request: GenerationRequest, count: int) -> None:
    """A cameo reaches the model as reference images (VACE) or as the first frame (image-to-video)."""
    if "reference" in manifest.capabilities:
        return
    if "i2v" in manifest.capabilities:
        if count > 1:
            raise Refused(f"{manifest.id} can show one cameo (as the first frame); for {count} cameos in a shot "
                          f"use a model that takes reference images: {', '.join(models_for_cameos('reference'))}")
        if request.image:
            raise Refused(f"{manifest.id} starts from one image: use --image or a cameo, not both (or a model "
                          f"that takes reference images: {', '.join(models_for_cameos('reference'))})")
        return
    raise Refused(f"{manifest.id} cannot show a cameo: it takes neither reference images nor a first frame. "
                  f"Models that can: {', '.join(models_for_cameos())}")


def models_for_cameos(capability: str | None = None) -> list[str]:
    """Model ids that can show a cameo (reference-image models first, tiny test models last)."""
    found = [m for m in load_manifests().values() if not m.last_frame_required  # a cameo crop is no last frame
             and ((capability or "reference") in m.capabilities or (capability is None and "i2v" in m.capabilities))]
    found.sort(key=lambda m: ("reference" not in m.capabilities, m.tiny, m.id))
    return [m.id for m in found]


def prepare_for_model(request: GenerationRequest, clearance: Clearance) -> tuple[GenerationRequest, int]:
    """The request the backend runs: the neutral prompt, the cameo crops as inputs, cameo ids for the recipe.

    Returns it with the number of user reference images (the cameo crops follow them; their hashes stay
    out of the recipe, which records cameo ids only).
    """
    user_refs = list(request.reference_images)
    prepared = replace(request, prompt=clearance.prompt, cameos=clearance.cameo_ids,
                       reference_images=list(user_refs))
    if not clearance.cameos:
        return prepared, len(user_refs)
    missing = [ref.name for ref in clearance.cameos if not ref.images]
    if missing:
        raise Refused(f"cameo {missing[0]!r} has no reference images left (its media was deleted)")
    manifest = get_manifest(request.model_id)
    if "reference" in manifest.capabilities:
        prepared.reference_images += [str(ref.images[0]) for ref in clearance.cameos]  # the front crop
    else:  # image-to-video: the (single) cameo's front crop is the first frame
        prepared.image = str(clearance.cameos[0].images[0])
    return prepared, len(user_refs)


def record_cameo_clip(cameo_ids: list[str], requester_id: str | None, clip: str | Path, job_id: str | None) -> None:
    """Add the written clip to each cameo owner's usage log (so the owner can see and delete it)."""
    if not cameo_ids:
        return
    from sora_studio.core.cameo.permissions import record_clip
    from sora_studio.core.cameo.store import CameoStore

    with CameoStore() as store:
        for cameo_id in cameo_ids:
            record_clip(store, cameo_id, requester_id or LOCAL_PROFILE_ID, str(clip), job_id=job_id)


# internals -------------------------------------------------------------------------------------------------
def _open_store(required: bool) -> CameoStore | None:
    """The cameo store; None when none exists and no cameo is asked for (no store is created for nothing)."""
    from sora_studio.core.cameo.store import CameoStore

    if not required and not (data_dir() / "cameos").exists():
        return None
    return CameoStore()


def _requester(request: GenerationRequest, store: CameoStore | None) -> ProfileRef:
    """The profile the request names (set at submit), else this machine's active profile, else 'local'."""
    from sora_studio.core.safety.limits import ProfileRef

    profile = None
    if store is not None:
        if request.requester:
            profile = store.profiles.get(request.requester)
            if profile is None:
                raise Refused(f"unknown profile {request.requester!r} asked for this generation")
        else:
            profile = store.profiles.active()
    if profile is not None:
        return ProfileRef.of(profile)
    if request.requester and request.requester != LOCAL_PROFILE_ID:
        raise Refused(f"unknown profile {request.requester!r} asked for this generation")
    if cameo_names(request):
        raise BadInput("using a cameo needs a profile: create one with `sora-studio cameo profile create NAME`")
    return ProfileRef(LOCAL_PROFILE_ID, "adult")


def _one_per_cameo(names: list[str], store: CameoStore) -> list[str]:
    """Names and ids that point at the same cameo ('@alice' plus her id from a replayed recipe) count once."""
    seen: dict[str, str] = {}
    for name in names:
        cameo = store.find(name)
        seen.setdefault(cameo.id if cameo is not None else name, name)
    return list(seen.values())


def _authorize(names: list[str], requester: ProfileRef, store: CameoStore, stage: Stage,
               job_id: str | None) -> list[CameoReference]:
    from sora_studio.core.cameo.permissions import (
        MAX_CAMEOS_PER_SHOT, CameoReference, authorize_cameo_use, permission_reason,
    )

    if stage != "preview":
        return authorize_cameo_use(names, requester.id, store=store, job_id=job_id, with_images=stage == "run")
    if len(names) > MAX_CAMEOS_PER_SHOT:  # the same rules, without writing the owner's usage log
        raise Refused(f"at most {MAX_CAMEOS_PER_SHOT} cameos per shot ({len(names)} given): split the shot")
    refs = []
    for name in names:
        cameo = store.find(name)
        if cameo is None:
            raise Refused(f"unknown cameo {name!r}: see `sora-studio cameo list`")
        reason = permission_reason(store, cameo, requester.id)
        if reason:
            raise Refused(reason)
        store.verify_consent(cameo)
        refs.append(CameoReference(cameo.id, cameo.name, cameo.owner, cameo.kind))
    return refs


def _input_image_cameos(request: GenerationRequest, requester: ProfileRef, store: CameoStore | None, stage: Stage,
                        job_id: str | None) -> list:
    """Every input picture showing a real person must be a cameo the requester may use (safety/person_image)."""
    from sora_studio.core.safety.person_image import check_input_images

    last = getattr(request, "last_image", None)  # first+last frame models (FLF2V); the same file for a loop
    images = list(dict.fromkeys(p for p in [request.image, last, *request.reference_images] if p))
    videos = [request.video] if request.video else []
    if not images and not videos:
        return []
    return check_input_images(images, videos, requester.id, store, stage=stage, job_id=job_id)


def _remix_parent_owners(request: GenerationRequest, store: CameoStore | None) -> list[str]:
    """Owners of the cameos in a remixed studio clip (read from its recipe sidecar, when it has one)."""
    if not request.video or store is None:
        return []
    sidecar = Path(request.video + ".recipe.json")
    try:
        ids = json.loads(sidecar.read_text(encoding="utf-8")).get("cameo_ids") or []
    except (OSError, ValueError, AttributeError):
        return []
    owners = []
    for cameo_id in ids:
        cameo = store.find(str(cameo_id))
        if cameo is not None:
            owners.append(cameo.owner)
    return owners


def _safety_gate(prompt: str, requester: ProfileRef, owners: list[str], remix_owners: list[str],
                 names: list[str], stage: Stage) -> None:
    from sora_studio.core.safety.audit import AuditLog
    from sora_studio.core.safety.check import check_generation
    from sora_studio.core.safety.limits import Limits

    audit = AuditLog()
    if stage == "run":
        verdict = check_generation(prompt, requester, owners, remix_owners, cameo_names=names, audit=audit)
    else:
        verdict = _dry_verdict(prompt, requester, owners, remix_owners, names, audit, Limits.load())
        if not verdict.allowed and stage == "submit":
            audit.record_refusal(requester.id, requester.kind, prompt, verdict, datetime.now(timezone.utc))
    if not verdict.allowed:
        raise Refused(f"{verdict.reason} {verdict.suggestion}".strip())


def _dry_verdict(prompt: str, requester: ProfileRef, owners: list[str], remix_owners: list[str], names: list[str],
                 audit, limits) -> Verdict:
    """check_generation's decision without counting a generation (it is counted once, at run time)."""
    from sora_studio.core.safety.limits import check_cameo_rules, daily_limit_verdict
    from sora_studio.core.safety.policy import moderate

    verdict = check_cameo_rules(requester, owners, remix_owners, limits)
    if verdict.allowed:
        verdict = moderate(prompt, cameo_present=bool(owners or remix_owners), cameo_names=names)
    if verdict.allowed:
        limit = limits.daily_limit(requester)
        if audit.count(requester.id, datetime.now(timezone.utc).date()) >= limit:
            verdict = daily_limit_verdict(requester, limit)
    return verdict
