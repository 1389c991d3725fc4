"""The spoken-phrase challenge: grammar, normalisation and offline recognition (espeak-ng speech)."""

from __future__ import annotations

import numpy as np
import pytest

from sora_studio.core.cameo import synthetic as syn
from sora_studio.core.cameo.phrase import PhraseGrammar, check_phrase, normalise, speech_span
from sora_studio.errors import BadInput, StudioError


def test_grammar_draws_phrases_it_contains():
    grammar = PhraseGrammar.load()
    phrases = {grammar.random_phrase() for _ in range(20)}
    assert len(phrases) > 10  # random, not a fixed phrase
    assert all(grammar.contains(p) for p in phrases)
    assert not grammar.contains("the purple rocket carries seven spoons")
    assert "public <phrase>" in grammar.jsgf()


def test_normalise_digits_and_homophones():
    assert normalise("The RED rocket carries 7 lanterns!") == "the red rocket carries seven lanterns"
    assert normalise("the blue tiger finds 2 apples") == normalise("the blew tiger finds to apples")


def test_malformed_grammar_is_reported(tmp_path):
    bad = tmp_path / "bad.grammar"
    bad.write_text("template: the {colour} {thing}\ncolour: red | blue\n")
    with pytest.raises(StudioError, match="malformed"):
        PhraseGrammar.load(bad)


def test_right_phrase_passes_and_wrong_phrase_fails():
    said = "the orange window finds four candles"
    audio = np.concatenate([np.zeros(8000, np.float32), syn.espeak_speech(said), np.zeros(8000, np.float32)])
    start, end = speech_span(audio)
    assert 0.4 < start < 0.7 and end > start + 1.0
    assert check_phrase(audio, "the orange window finds 4 candles").passed  # digits normalised
    wrong = check_phrase(audio, "the yellow garden climbs nine pebbles")
    assert not wrong.passed and wrong.heard == said


def test_silence_and_out_of_grammar_requests():
    quiet = check_phrase(np.zeros(32000, np.float32), "the red river opens two apples")
    assert not quiet.passed and "no speech" in quiet.reason
    with pytest.raises(BadInput, match="not from the enrollment grammar"):
        check_phrase(np.ones(32000, np.float32), "hello world")
