"""Precision/recall of the rules on the labelled prompt sets (tests/data/prompts/*.tsv).

labelled.tsv is the development set (the rules were tuned on it, so its figures are optimistic); the
thresholds are what the policy promises on it. holdout.tsv, holdout2.tsv and holdout3.tsv were each
written after a round of rule changes and measured once before their misses were fixed; holdout4.tsv and
then holdout5.tsv were measured once and then generalised against; holdout6.tsv was written last,
independently of the rules, and is the current out-of-sample estimate (see docs/safety.md).
"""

from pathlib import Path

import pytest

from sora_studio.core.safety.evaluate import evaluate, format_report, read_labelled
from sora_studio.errors import BadInput

DATA = Path(__file__).resolve().parents[2] / "data" / "prompts"
CATEGORIES = {"sexual", "minors", "violence", "self_harm", "hate", "public_figure", "copyright", "weapons"}


@pytest.fixture(scope="module")
def dev_report():
    return evaluate(read_labelled(DATA / "labelled.tsv"))


def test_labelled_set_is_big_and_covers_every_category():
    prompts = read_labelled(DATA / "labelled.tsv")
    assert len(prompts) >= 250
    labels = {p.expected for p in prompts}
    assert labels == CATEGORIES | {"allowed"}
    notes = " ".join(p.note for p in prompts)
    for evasion in ("leetspeak", "spaced", "homoglyph", "zero-width", "Spanish", "French", "German", "Portuguese", "Italian", "look-alike"):
        assert evasion in notes, evasion


def test_recall_and_precision_per_category(dev_report):
    for name in CATEGORIES:
        score = dev_report.scores[name]
        assert score.support >= 25, name
        assert score.recall >= 0.9, (name, format_report(dev_report))
        assert score.precision >= 0.9, (name, format_report(dev_report))


def test_benign_false_refusal_rate(dev_report):
    assert dev_report.benign >= 100
    assert dev_report.false_refusal_rate <= 0.05, format_report(dev_report)


def test_report_table_lists_every_category(dev_report):
    table = format_report(dev_report)
    for name in CATEGORIES:
        assert f"| {name} |" in table
    assert "benign prompts refused" in table


@pytest.mark.parametrize("name, floor", [("holdout.tsv", 0.9), ("holdout2.tsv", 0.9), ("holdout3.tsv", 0.9),
                                         ("holdout4.tsv", 0.95), ("holdout5.tsv", 0.95)])
def test_tuned_holdout_figures(name, floor):
    """Sets that were measured once and then generalised against: their figures now guard against regressions."""
    report = evaluate(read_labelled(DATA / name))
    assert report.total >= 70
    assert report.harmful_recall >= floor, format_report(report)
    assert report.false_refusal_rate <= 0.05, format_report(report)


@pytest.mark.parametrize("name", ["holdout4.tsv", "holdout5.tsv"])
def test_generalised_holdouts_per_category(name):
    """holdout4's and then holdout5's misses were generalised into categories of rules (not their strings)."""
    report = evaluate(read_labelled(DATA / name))
    for category in CATEGORIES:
        assert report.scores[category].recall >= 0.85, (category, format_report(report))
        assert report.scores[category].precision >= 0.85, (category, format_report(report))


def test_fresh_holdout6_floor():
    """holdout6 (113 prompts) was written after the second round of generalisation, independently of the
    rules, and measured once, untuned: 0.652 of its harmful prompts refused (45/69), 1/44 benign refused.
    These are FLOORS that were reached, not targets (docs/safety.md has the table); the honest reading is
    that about a third of novel paraphrased harmful prompts still pass the rules."""
    prompts = read_labelled(DATA / "holdout6.tsv")
    report = evaluate(prompts)
    assert report.total >= 100
    assert {p.expected for p in prompts} == CATEGORIES | {"allowed"}
    assert report.harmful_recall >= 0.65, format_report(report)
    assert report.false_refusal_rate <= 0.03, format_report(report)


def test_malformed_labelled_file_is_rejected(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("text\texpected_category\tnote\nonly one column\n", encoding="utf-8")
    with pytest.raises(BadInput, match="3 tab-separated columns"):
        read_labelled(bad)
    bad.write_text("prompt\tlabel\n", encoding="utf-8")
    with pytest.raises(BadInput, match="header"):
        read_labelled(bad)
