"""Text to speech for dialogue: a backend protocol, espeak-ng (always available offline) and neural voices
described by manifests in models/tts/ (downloadable; loaded through transformers' from_pretrained)."""

from sora_studio.core.audio.tts.base import Speech, TTSBackend, TTSRequest, Voice, unknown_voice
from sora_studio.core.audio.tts.registry import available_backends, get_backend

__all__ = ["Speech", "TTSBackend", "TTSRequest", "Voice", "available_backends", "get_backend", "unknown_voice"]
