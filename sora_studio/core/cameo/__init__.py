"""Cameos: consented likenesses (people, pets, objects) with enrollment checks, an encrypted store,
owner-controlled permissions and a usage log. The gate other rooms call is `authorize_cameo_use`."""

from sora_studio.core.cameo.permissions import CameoReference, active_profile, authorize_cameo_use

__all__ = ["CameoReference", "active_profile", "authorize_cameo_use"]
