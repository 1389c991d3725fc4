"""The spoken-phrase challenge: a random phrase from a grammar, checked by offline speech recognition.

Why a grammar: a fresh random phrase proves the voice is live (a replayed recording cannot know it), and
decoding against the same closed grammar with pocketsphinx (English model inside its wheel, no download)
is accurate where open dictation on a small model is not. A wrong phrase decodes to a different path
through the grammar and is refused. Mouth movement during speech is checked in enroll.py.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from sora_studio.core.resources import resource_path
from sora_studio.errors import BadInput, StudioError

SAMPLE_RATE = 16000
_NUMBERS = {"0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six",
            "7": "seven", "8": "eight", "9": "nine", "10": "ten"}
_HOMOPHONES = {"to": "two", "too": "two", "for": "four", "fore": "four", "ate": "eight", "won": "one",
               "read": "red", "reed": "red", "blew": "blue"}


@dataclass(frozen=True)
class PhraseGrammar:
    template: str
    slots: dict[str, tuple[str, ...]]

    @classmethod
    def load(cls, path: Path | None = None) -> PhraseGrammar:
        path = path or resource_path("cameo", "phrases.grammar")
        template, slots = "", {}
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise StudioError(f"cannot read the phrase grammar {path}: {exc.strerror}") from exc
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition(":")
            if key.strip() == "template":
                template = value.strip()
            else:
                slots[key.strip()] = tuple(w.strip().lower() for w in value.split("|") if w.strip())
        missing = [s for s in re.findall(r"{(\w+)}", template) if s not in slots]
        if not template or missing:
            raise StudioError(f"the phrase grammar {path} is malformed (missing template or slots {missing})")
        return cls(template, slots)

    def random_phrase(self) -> str:
        """A phrase drawn with a cryptographic RNG (a phrase must not be guessable in advance)."""
        return re.sub(r"{(\w+)}", lambda m: secrets.choice(self.slots[m.group(1)]), self.template)

    def contains(self, phrase: str) -> bool:
        pattern = re.sub(r"{(\w+)}", lambda m: "(" + "|".join(self.slots[m.group(1)]) + ")", self.template)
        return re.fullmatch(pattern, normalise(phrase)) is not None

    def jsgf(self) -> str:
        body = re.sub(r"{(\w+)}", lambda m: f"<{m.group(1)}>", self.template)
        rules = "".join(f"<{name}> = {' | '.join(words)};\n" for name, words in self.slots.items())
        return f"#JSGF V1.0;\ngrammar phrase;\npublic <phrase> = {body};\n{rules}"


def normalise(text: str) -> str:
    """Lower case, no punctuation, digits and homophones spelled the grammar's way."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    return " ".join(_HOMOPHONES.get(_NUMBERS.get(w, w), _NUMBERS.get(w, w)) for w in words)


@dataclass
class PhraseResult:
    passed: bool
    expected: str
    heard: str
    reason: str = ""
    speech_start_s: float = 0.0
    speech_end_s: float = 0.0


def speech_span(audio: np.ndarray, rate: int = SAMPLE_RATE) -> tuple[float, float]:
    """Start and end (seconds) of the loud part of mono audio: 30 ms frames above 10% of the loudest."""
    hop = int(0.03 * rate)
    n = len(audio) // hop
    if n == 0:
        return 0.0, 0.0
    rms = np.sqrt((audio[: n * hop].reshape(n, hop) ** 2).mean(axis=1))
    loud = np.flatnonzero(rms > max(0.1 * rms.max(), 1e-3))
    if len(loud) == 0:
        return 0.0, 0.0
    return loud[0] * hop / rate, (loud[-1] + 1) * hop / rate


def _prepare(audio: np.ndarray) -> bytes:
    """Peak-normalise to half scale and add faint dither: the decoder's feature normalisation stalls on
    clipped audio and on digitally silent stretches."""
    audio = np.asarray(audio, dtype=np.float64)
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    if peak < 1e-4:
        raise BadInput("the audio is silent: say the phrase out loud, close to the microphone")
    audio = audio / peak * 0.5
    audio = audio + np.random.default_rng(0).normal(0, 0.002, len(audio))
    return (np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes()


@lru_cache(maxsize=1)
def _check_dictionary(jsgf_text: str) -> None:
    from pocketsphinx import Decoder

    decoder = Decoder(samprate=SAMPLE_RATE, loglevel="ERROR")
    words = set(re.findall(r"[a-z']+", jsgf_text.split("public", 1)[1])) - {"phrase", "jsgf", "grammar"}
    unknown = sorted(w for w in words if decoder.lookup_word(w) is None)
    if unknown:
        raise StudioError(f"words missing from the speech dictionary: {', '.join(unknown)}; fix phrases.grammar")


def recognise(audio: np.ndarray, grammar: PhraseGrammar) -> str:
    """The grammar phrase pocketsphinx hears in mono 16 kHz float audio ('' when none fits)."""
    try:
        from pocketsphinx import Decoder
    except ImportError as exc:  # pragma: no cover
        raise StudioError("pocketsphinx is not installed; install it with `pip install pocketsphinx`") from exc
    jsgf = grammar.jsgf()
    _check_dictionary(jsgf)
    pcm = _prepare(audio)
    decoder = Decoder(samprate=SAMPLE_RATE, loglevel="ERROR")
    decoder.add_jsgf_string("phrase", jsgf)
    decoder.activate_search("phrase")
    decoder.start_utt()
    for offset in range(0, len(pcm), 4096):
        decoder.process_raw(pcm[offset : offset + 4096], no_search=False, full_utt=False)
    decoder.end_utt()
    hyp = decoder.hyp()
    return normalise(hyp.hypstr) if hyp is not None else ""


def check_phrase(audio: np.ndarray, expected: str, grammar: PhraseGrammar | None = None) -> PhraseResult:
    """Did the speaker say `expected`? Audio: mono float32 at 16 kHz."""
    grammar = grammar or PhraseGrammar.load()
    expected_n = normalise(expected)
    if not grammar.contains(expected_n):
        raise BadInput(f"the phrase {expected!r} is not from the enrollment grammar; use a phrase it generated")
    start, end = speech_span(audio)
    if end - start < 0.5:
        return PhraseResult(False, expected_n, "", "no speech found in the audio: say the phrase clearly", start, end)
    pad = int(0.25 * SAMPLE_RATE)
    segment = audio[max(0, int(start * SAMPLE_RATE) - pad) : int(end * SAMPLE_RATE) + pad]
    silence = np.zeros(int(0.3 * SAMPLE_RATE))
    heard = recognise(np.concatenate([silence, segment, silence]), grammar)
    if heard != expected_n:
        return PhraseResult(False, expected_n, heard, f"the spoken phrase did not match: expected '{expected_n}', "
                            f"heard '{heard or 'nothing recognisable'}'", start, end)
    return PhraseResult(True, expected_n, heard, "", start, end)
