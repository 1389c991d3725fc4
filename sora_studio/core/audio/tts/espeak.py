"""espeak-ng: the always-available offline voice (formant synthesis: robotic, but every language it knows).

Runs `espeak-ng -v VOICE -s RATE -w OUT.wav --stdin` (the text goes through stdin so no line can be
mistaken for an option). Voices are the languages `espeak-ng --voices` lists (MBROLA voices need extra
packages and are left out) optionally with a variant: 'en-us', 'en-us+f3', 'fr+m2'.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from sora_studio.core.audio.tts.base import Speech, TTSRequest, Voice, check_text, unknown_voice
from sora_studio.errors import BadInput, StudioError

EXECUTABLE = "espeak-ng"
TIMEOUT_S = 60


def executable() -> str:
    found = shutil.which(EXECUTABLE)
    if found is None:
        raise StudioError("espeak-ng is not installed; install it (Debian/Ubuntu: `apt-get install espeak-ng`, "
                          "macOS: `brew install espeak-ng`) or install a neural TTS voice")
    return found


def _run(*args: str, text: str | None = None) -> str:
    try:
        done = subprocess.run([executable(), *args], input=text, capture_output=True, text=True, timeout=TIMEOUT_S,
                              check=False)
    except subprocess.TimeoutExpired:
        raise StudioError(f"espeak-ng took longer than {TIMEOUT_S} s; shorten the line") from None
    if done.returncode != 0:
        raise StudioError(f"espeak-ng failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def _table(listing: str) -> list[list[str]]:
    rows = []
    for line in listing.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5:
            rows.append(parts)
    return rows


@functools.lru_cache(maxsize=1)
def _languages() -> tuple[Voice, ...]:
    voices: dict[str, Voice] = {}
    aliases: dict[str, Voice] = {}
    for parts in _table(_run("--voices")):
        language, gender, name, file = parts[1], parts[2].split("/")[-1], parts[3], parts[4]
        if file.startswith("mb/") or language in voices:
            continue
        voice = Voice(language, language, name.replace("_", " "), {"M": "male", "F": "female"}.get(gender, ""))
        voices[language] = voice
        for alias in re.findall(r"\((\S+) \d+\)", " ".join(parts[5:])):  # 'Other languages': (fr 5)
            aliases.setdefault(alias, Voice(alias, alias, voice.name, voice.gender))
    return tuple(voices.values()) + tuple(v for k, v in aliases.items() if k not in voices)


@functools.lru_cache(maxsize=1)
def _variants() -> tuple[str, ...]:
    return tuple(parts[4].split("/")[-1] for parts in _table(_run("--voices=variant")))


class EspeakBackend:
    """TTS through the espeak-ng program."""

    name = "espeak-ng"
    can_clone = False

    def voices(self) -> list[Voice]:
        """Languages; every one also takes '+VARIANT' (see variants())."""
        return list(_languages())

    def variants(self) -> list[str]:
        return list(_variants())

    def check_voice(self, voice: str) -> str:
        language, _, variant = voice.partition("+")
        known = {v.id for v in _languages()}
        if language not in known:
            raise unknown_voice(voice, self.name, self.voices())
        if variant and variant not in _variants():
            raise BadInput(f"espeak-ng has no voice variant {variant!r}; variants: {', '.join(sorted(_variants()))}")
        return voice

    def synthesize(self, request: TTSRequest) -> Speech:
        text = check_text(request.text)
        voice = self.check_voice(request.voice)
        rate = int(request.rate_wpm)
        if not 80 <= rate <= 450:
            raise BadInput(f"speaking rate {rate} words/min is out of range; use 80-450")
        notices = []
        if request.voice_sample is not None:
            notices.append("espeak-ng cannot clone voices: the cameo's voice sample was not used")
        with tempfile.TemporaryDirectory(prefix="sora-tts-") as tmp:
            out = Path(tmp) / "line.wav"
            _run("-v", voice, "-s", str(rate), "-w", str(out), "--stdin", text=text)
            audio, sample_rate = read_wav(out)
        return Speech(audio, sample_rate, notices)


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """float32 [C, N] and the rate of a 16-bit PCM WAV (what espeak-ng writes)."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise StudioError(f"{path.name}: expected 16-bit PCM, got {8 * wav.getsampwidth()}-bit")
            channels, rate = wav.getnchannels(), wav.getframerate()
            data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    except (wave.Error, EOFError) as exc:
        raise StudioError(f"espeak-ng wrote an unreadable WAV ({exc})") from exc
    audio = data.reshape(-1, channels).T.astype(np.float32) / 32768.0
    return audio, rate
