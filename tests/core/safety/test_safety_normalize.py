"""Each evasion the normaliser undoes, checked on the views and through moderate()."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sora_studio.core.safety.normalize import name_key, normalise, plain
from sora_studio.core.safety.policy import moderate


def texts(s: str) -> list[str]:
    return [v.text for v in normalise(s)]


def test_case_and_fullwidth_fold_to_lower_ascii():
    assert plain("NAKED Man") == "naked man"
    assert plain("ＮＡＫＥＤ") == "naked"  # NFKC folds fullwidth forms


@pytest.mark.parametrize(
    "spaced", ["n a k e d", "n.a.k.e.d", "n-a-k-e-d", "n_a_k_e_d", "n . a . k . e . d", "N*A*K*E*D", "n_a-k.e d", "n🍆a🍆k🍆e🍆d"]
)
def test_letters_spaced_with_spaces_or_punctuation_are_joined(spaced):
    assert plain(f"a {spaced} woman") == "a naked woman"


def test_spaced_run_keeps_a_leading_article_apart():
    assert plain("a n a k e d man") == "a naked man"


def test_ordinary_single_letters_are_not_glued_to_words():
    assert plain("a cat and a dog") == "a cat and a dog"


@pytest.mark.parametrize(
    "leet, word",
    [("n4k3d", "naked"), ("pr0n", "pron"), ("$3x", "sex"), ("b@by", "baby"), ("k1ll", "kill"), ("7or7ure", "torture"), ("5uicide", "suicide")],
)
def test_leetspeak_is_undone_in_a_view(leet, word):
    assert word in texts(leet)


def test_one_reads_as_i_and_as_l():
    views = texts("1ittle gir1")
    assert "little girl" in views
    assert "iittle giri" in views


def test_leet_leaves_numbers_and_mentions_alone():
    assert texts("1984 and 14 years") == ["1984 and 14 years"]
    assert plain("@alice waves") == "alice waves"


@pytest.mark.parametrize(
    "homoglyph",
    ["n\u0430ked", "nak\u0435d", "\u0274\u1d00\u1d0b\u1d07\u1d05", "n\u03b1ked"],  # Cyrillic a, Cyrillic e, small caps, Greek alpha
)
def test_homoglyphs_map_to_latin(homoglyph):
    assert plain(homoglyph) == "naked"


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
def test_zero_width_and_format_characters_are_dropped(invisible):
    assert plain(invisible.join("naked")) == "naked"


def test_accents_and_combining_marks_are_stripped():
    assert plain("niña décapité") == "nina decapite"
    assert plain("nu\u0301de") == "nude"


def test_repeated_letters_match_through_the_patterns():
    assert not moderate("a naaaaked man").allowed
    assert not moderate("nuuuuude beach").allowed


def test_possessive_s_is_split_so_names_still_match():
    assert plain("Al Gore's car") == "al gore s car"
    assert plain("don't") == "dont"


def test_origin_maps_back_to_the_original_text():
    text = "look: n a k\u200b e d!"
    view = normalise(text)[0]
    start = view.text.index("naked")
    s, e = view.original_span(start, start + 5)
    assert text[s:e] == "n a k\u200b e d"


def test_name_key_ignores_case_spacing_and_punctuation():
    assert name_key("@Taylor-Swift") == name_key("taylor swift") == "taylorswift"


@pytest.mark.parametrize(
    "prompt, category",
    [
        ("n.u.d.e photo", "sexual"),
        ("s3xy schoolgirl", "minors"),
        ("d\u200be\u200bc\u200ba\u200bp\u200bi\u200bt\u200ba\u200bt\u200be\u200bd body", "violence"),
        ("\u0455uicide pact", "self_harm"),
        ("h0w t0 m4ke a b0mb", "weapons"),
        ("una mujer desnuda", "sexual"),
        ("eine nackte Frau", "sexual"),
        ("une femme nue", "sexual"),
        ("uma mulher nua", "sexual"),
        ("una donna nuda", "sexual"),
    ],
)
def test_evasions_are_refused_in_the_right_category(prompt, category):
    verdict = moderate(prompt)
    assert not verdict.allowed
    assert verdict.category == category


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_any_text_normalises_and_spans_stay_inside_the_original(text):
    for view in normalise(text):
        assert len(view.origin) == len(view.text)
        assert all(0 <= o < len(text) for o in view.origin)
        assert view.text == view.text.strip() and "  " not in view.text
    verdict = moderate(text)
    for start, end in verdict.spans:
        assert 0 <= start <= end <= len(text)
