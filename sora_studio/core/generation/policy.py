"""The permission/policy seam every job passes before it runs (in the worker and before queueing).

Today it validates the request against the model's rules. The safety helper (prompt moderation) and the
cameo helper (consent checks for `request.cameos`) extend `check_request`; it raises BadInput or Refused.
"""

from __future__ import annotations

from sora_studio.core.generation.request import GenerationRequest
from sora_studio.core.generation.rules import check_prompt
from sora_studio.core.models.manifest import get_manifest
from sora_studio.errors import BadInput


def check_request(request: GenerationRequest) -> None:
    """Raise BadInput/Refused when `request` must not run; return None when it may."""
    manifest = get_manifest(request.model_id)
    check_prompt(request.prompt)
    if request.cameos:
        raise BadInput("cameo support is not installed yet; remove the cameo from the request")
    if request.image and "i2v" not in manifest.capabilities:
        raise BadInput(f"{manifest.id} cannot start from an image; choose an image-to-video model")
    if request.video and "v2v" not in manifest.capabilities:
        raise BadInput(f"{manifest.id} cannot remix a video; choose a model with v2v (e.g. wan2.1-vace-1.3b)")
    if request.reference_images and "reference" not in manifest.capabilities:
        raise BadInput(f"{manifest.id} does not take reference images; choose a VACE model")
