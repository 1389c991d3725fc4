"""The policy engine: categories, benign look-alikes, cameo strict mode, data-file handling."""

import shutil
from pathlib import Path

import pytest

from sora_studio.core.resources import resource_path
from sora_studio.core.safety.patterns import PatternCompiler
from sora_studio.core.safety.policy import moderate
from sora_studio.core.safety.rules import load_policy
from sora_studio.errors import BadInput


@pytest.mark.parametrize(
    "prompt",
    [
        "shoot a film at golden hour",
        "kill the lights",
        "a naked mole rat in a burrow",
        "a bloody mary cocktail",
        "the photo shoot",
        "drawing a gun-metal grey car",
        "how to make a bath bomb",
        "kids shooting hoops",
        "the suicide squad poster",
        "a close-up shot of a woman smiling",
        "nude lipstick swatches",
        "magna cum laude",
        "a king charles spaniel",
    ],
)
def test_benign_look_alikes_pass(prompt):
    verdict = moderate(prompt)
    assert verdict.allowed, verdict.reason


def test_allow_phrase_does_not_hide_the_rest_of_the_prompt():
    assert moderate("a naked mole rat").allowed
    assert not moderate("a naked mole rat next to a naked man").allowed


def test_verdict_names_category_reason_suggestion_and_spans():
    text = "a photo of a naked woman"
    verdict = moderate(text)
    assert not verdict.allowed and verdict.category == "sexual" and verdict.source == "rules"
    assert "naked" in verdict.reason and verdict.suggestion
    assert [text[s:e] for s, e in verdict.spans] == ["naked"]


def test_minors_outranks_sexual():
    verdict = moderate("a naked child")
    assert verdict.category == "minors"
    assert "sexual" in verdict.categories


def test_suggestive_words_pass_for_adults_but_not_with_minors():
    assert moderate("a woman in lingerie on a balcony").allowed
    assert moderate("a 15 year old girl in lingerie on a balcony").category == "minors"
    assert moderate("a teen in a bikini at the beach").allowed
    assert moderate("a 13-year-old posing in a bikini for adults").category == "minors"


def test_cameo_strict_mode_refuses_humiliation_only_with_a_cameo():
    prompt = "@alice crying in a dumpster, everyone laughing at her"
    assert moderate(prompt).allowed
    verdict = moderate(prompt, cameo_present=True)
    assert not verdict.allowed and verdict.category == "cameo_depiction"
    assert moderate(prompt, cameo_names=["alice"]).category == "cameo_depiction"  # names imply presence


@pytest.mark.parametrize("prompt", ["@bob in lingerie on a bed", "@bob punched in the face", "@bob covered in vomit"])
def test_cameo_strict_mode_covers_sexual_violent_and_humiliating(prompt):
    assert moderate(prompt).allowed
    assert not moderate(prompt, cameo_present=True).allowed


def test_cameo_present_still_allows_respectful_scenes():
    assert moderate("@alice walking her dog in the park at sunset", cameo_present=True).allowed


def test_public_figure_refused_unless_present_as_a_cameo():
    prompt = "Taylor Swift singing in a diner"
    verdict = moderate(prompt)
    assert verdict.category == "public_figure" and "Taylor Swift" in verdict.reason
    assert moderate(prompt, cameo_names=["@taylor-swift"]).allowed
    assert moderate(prompt, cameo_names=["alice"]).category == "public_figure"
    # her cameo lifts only the name rule; the stricter cameo rules still apply
    assert moderate("Taylor Swift crying in a dumpster", cameo_names=["Taylor Swift"]).category == "cameo_depiction"


def _copy_policy(tmp_path: Path) -> Path:
    folder = tmp_path / "policy"
    shutil.copytree(resource_path("policy"), folder)
    return folder


def test_copyright_follows_the_rights_holder_opt_out_list(tmp_path):
    assert moderate("Mickey Mouse dancing").category == "copyright"
    assert "owned by The Walt Disney Company" in moderate("Elsa from Frozen singing").reason
    assert moderate("Big Buck Bunny in a meadow").allowed  # catalogued; holder has not opted out
    folder = _copy_policy(tmp_path)
    optout = folder / "rights_optout.toml"
    text = optout.read_text(encoding="utf-8").replace('name = "The Walt Disney Company"', 'name = "Nobody"')
    optout.write_text(text + '\n[[holders]]\nname = "Blender Foundation"\n', encoding="utf-8")
    policy = load_policy(folder)
    assert moderate("Mickey Mouse dancing", policy=policy).allowed
    assert moderate("Big Buck Bunny in a meadow", policy=policy).category == "copyright"


def test_rules_are_data_a_new_term_takes_effect(tmp_path):
    folder = _copy_policy(tmp_path)
    assert moderate("a glorpnik ritual", policy=load_policy(folder)).allowed
    with open(folder / "violence.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[[rules]]\nid = "test-term"\nexplain = "a test term"\npatterns = ["glorpnik"]\n')
    verdict = moderate("a glorpnik ritual", policy=load_policy(folder))
    assert verdict.category == "violence" and "a test term" in verdict.reason


@pytest.mark.parametrize(
    "content, message",
    [
        ("[category\nid=", "not valid TOML"),
        ('[category]\nid = "x"\ntitle = "X"\npriority = 1\nreason = "r"\n', "needs [[rules]]"),
        ('[category]\nid = "x"\ntitle = "X"\npriority = 1\nreason = "r"\n[[rules]]\nid = "a"\npatterns = ["{nope}"]\n', "unknown set"),
        ('[category]\nid = "x"\ntitle = "X"\npriority = 1\nreason = "r"\n[[rules]]\nid = "a"\npatterns = ["re:(["]\n', "bad regular expression"),
    ],
)
def test_malformed_policy_files_give_a_clear_error(tmp_path, content, message):
    folder = _copy_policy(tmp_path)
    (folder / "broken.toml").write_text(content, encoding="utf-8")
    with pytest.raises(BadInput, match=message.replace("[", r"\[")):
        load_policy(folder)


def test_missing_policy_folder_is_bad_input(tmp_path):
    with pytest.raises(BadInput, match="policy folder not found"):
        load_policy(tmp_path / "nope")


def test_pattern_language():
    compiler = PatternCompiler({"who": ["man", "woman"], "det": ["a", "the"]})
    rx = compiler.compile(["stab* {det}? {who}", "blow job", "kill ~2 {who}"])
    for hit in ["stabbing the man", "stabs woman", "blowjob", "blow job", "kill the old man", "kiiiill a woman"]:
        assert rx.search(hit), hit
    for miss in ["stab the dog", "kil a man", "kill the very old tall man", "blowjobs", "skill a man"]:
        assert not rx.search(miss), miss


def test_gaps_do_not_match_inside_words():
    rx = PatternCompiler({}).compile(["sex ~3 tween"])
    assert not rx.search("sex between friends")
    assert rx.search("sex with a tween")


def test_non_text_and_oversized_prompts_are_bad_input():
    with pytest.raises(BadInput):
        moderate(None)  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="too long"):
        moderate("a" * 20_001)
