"""How a take is named in menus and the inspector (the OTIO default key reads as "Original")."""

from __future__ import annotations

DEFAULT_KEY = "DEFAULT_MEDIA"  # OTIO's default media-reference key


def take_label(key: str, take) -> str:
    """'Original' / the take key, then its label or prompt (shortened), then '(missing)' if the file is gone."""
    meta = take.metadata.get("sora_studio", {}) if isinstance(take.metadata, dict) else {}
    meta = meta if isinstance(meta, dict) else {}
    name = "Original" if key == DEFAULT_KEY else key
    detail = str(meta.get("label") or meta.get("prompt") or "")
    if len(detail) > 40:
        detail = detail[:39] + "…"
    text = f"{name} — {detail}" if detail else name
    return text + ("  (missing)" if take.missing else "")


def take_recipe_summary(take) -> str:
    """'model X · seed N · strength S' from the take's generation recipe, as far as it is known ('' if not)."""
    meta = take.metadata.get("sora_studio", {}) if isinstance(take.metadata, dict) else {}
    recipe = meta.get("recipe") if isinstance(meta, dict) else None
    if not isinstance(recipe, dict):
        return ""
    parts = []
    model = recipe.get("model_id") or recipe.get("model")
    if model:
        parts.append(f"model {model}")
    if recipe.get("seed") is not None:
        parts.append(f"seed {recipe['seed']}")
    if recipe.get("strength") is not None:
        parts.append(f"strength {recipe['strength']:g}" if isinstance(recipe["strength"], float) else
                     f"strength {recipe['strength']}")
    return " · ".join(parts)
