"""What every TTS backend takes and returns. Backends are small classes; the dialogue pass only sees this."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from sora_studio.errors import BadInput


@dataclass(frozen=True)
class Voice:
    """One selectable voice: `id` is what a storyboard names (e.g. 'en-us+f3' for espeak-ng)."""

    id: str
    language: str
    name: str = ""
    gender: str = ""


@dataclass
class TTSRequest:
    """One line to speak.

    `voice_sample`: a cameo's enrolled voice recording (WAV), decrypted for this use only (dialogue passes it for
    `@name` speakers after the permission check). Voice-cloning backends condition on it;
    backends that cannot clone ignore it and say so in `Speech.notices`.
    """

    text: str
    voice: str
    rate_wpm: int = 165  # speaking rate in words per minute
    language: str | None = None
    voice_sample: Path | None = None


@dataclass
class Speech:
    """float32 mono [1, N] at `sample_rate`, with notices for the user."""

    audio: np.ndarray
    sample_rate: int
    notices: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.audio.shape[-1] / self.sample_rate


@runtime_checkable
class TTSBackend(Protocol):
    name: str
    can_clone: bool

    def voices(self) -> list[Voice]: ...

    def synthesize(self, request: TTSRequest) -> Speech: ...


def unknown_voice(voice: str, backend: str, voices: list[Voice], limit: int = 40) -> BadInput:
    """The error for a voice a backend does not have, listing the ones it has (so the user can pick)."""
    ids = sorted(v.id for v in voices)
    shown = ", ".join(ids[:limit]) + (f", ... ({len(ids)} in all)" if len(ids) > limit else "")
    return BadInput(f"the {backend} TTS has no voice {voice!r}; available voices: {shown or 'none'}")


def check_text(text: str) -> str:
    text = " ".join(str(text or "").split())
    if not text:
        raise BadInput("a dialogue line is empty; write what the speaker says")
    if len(text) > 2000:
        raise BadInput(f"a dialogue line is {len(text)} characters long; split it into lines under 2000")
    return text
