"""What of a generation recipe travels in Content Credentials: models, prompt *hash*, seed, cameo ids.

The prompt itself stays in the local ledger; cameo references are ids only - never face or voice data.
"""

from __future__ import annotations

import hashlib
from typing import Any


def _as_dict(recipe: Any) -> dict[str, Any]:
    if recipe is None:
        return {}
    if hasattr(recipe, "to_dict"):
        recipe = recipe.to_dict()
    return dict(recipe) if isinstance(recipe, dict) else {}


def prompt_hash(prompt: str) -> str:
    return hashlib.sha256(prompt.encode("utf-8")).hexdigest()


def recipe_summary(recipe: Any) -> dict[str, Any]:
    """Public summary of one recipe (a Recipe, or its dict)."""
    data = _as_dict(recipe)
    out: dict[str, Any] = {}
    model = data.get("model_id") or data.get("model")
    if model:
        out["model_id"] = str(model)
    for key in ("model_revision", "pipeline", "seed", "num_inference_steps", "guidance_scale", "width", "height",
                "num_frames", "fps", "strength", "style", "trace_mark_id"):
        value = data.get(key)
        if isinstance(value, (str, int, float, bool)):
            out[key] = value
    if isinstance(data.get("prompt"), str):
        out["prompt_sha256"] = prompt_hash(data["prompt"])
    cameos = data.get("cameo_ids") or data.get("cameos") or []
    if isinstance(cameos, (list, tuple)):
        out["cameo_ids"] = [str(c) for c in cameos if isinstance(c, (str, int))]
    inputs = data.get("inputs")
    if isinstance(inputs, dict):
        out["input_sha256"] = {str(k): str(v) for k, v in inputs.items() if isinstance(v, str)}
    return out


def ledger_recipe(recipe: Any) -> dict[str, Any]:
    """The recipe as kept in the local ledger: JSON-safe fields only (no arrays, images or bytes)."""
    data = _as_dict(recipe)
    return {k: v for k, v in data.items() if _json_safe(v)}


def _json_safe(value: Any, depth: int = 0) -> bool:
    if depth > 4:
        return False
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_json_safe(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_safe(v, depth + 1) for k, v in value.items())
    return False
