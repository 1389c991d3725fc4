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
