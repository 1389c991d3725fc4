"""Backends by model family. A family's module is imported only when that family is used."""

from __future__ import annotations

import importlib

from sora_studio.core.generation.backends.base import Backend, GenerationOutput
from sora_studio.errors import BadInput

# family -> "module:Class"
BACKENDS: dict[str, str] = {
    "wan": "sora_studio.core.generation.backends.wan:WanBackend",
    "wan-i2v": "sora_studio.core.generation.backends.wan:WanI2VBackend",
    "wan-flf2v": "sora_studio.core.generation.backends.wan:WanFLF2VBackend",
    "wan-vace": "sora_studio.core.generation.backends.wan:WanVACEBackend",
    "ltx2": "sora_studio.core.generation.backends.ltx2:LTX2Backend",
    "stable-audio": "sora_studio.core.generation.backends.stable_audio:StableAudioBackend",
}


def backend_for(family: str) -> Backend:
    try:
        module_name, class_name = BACKENDS[family].split(":")
    except KeyError:
        raise BadInput(f"no generation backend for model family {family!r}; known: {', '.join(BACKENDS)}") from None
    return getattr(importlib.import_module(module_name), class_name)()


__all__ = ["BACKENDS", "Backend", "GenerationOutput", "backend_for"]
