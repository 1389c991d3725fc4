"""Pick a TTS backend: an installed neural voice pack (models/tts/*.toml) when asked for, else espeak-ng."""

from __future__ import annotations

from sora_studio.core.audio.tts.base import TTSBackend
from sora_studio.errors import BadInput

FALLBACK = "espeak-ng"


def available_backends() -> list[str]:
    """Names usable now: espeak-ng plus every installed neural TTS manifest id."""
    from sora_studio.core.audio.tts.neural import installed_tts_ids

    return [FALLBACK, *installed_tts_ids()]


def get_backend(name: str | None = None) -> TTSBackend:
    """The backend called `name` (a models/tts manifest id or 'espeak-ng'); None means espeak-ng."""
    if name in (None, "", FALLBACK, "auto"):
        from sora_studio.core.audio.tts.espeak import EspeakBackend

        return EspeakBackend()
    from sora_studio.core.audio.tts.neural import load_tts, tts_manifests

    if name not in tts_manifests():
        raise BadInput(f"unknown TTS {name!r}; known: {', '.join([FALLBACK, *sorted(tts_manifests())])}")
    return load_tts(name)
