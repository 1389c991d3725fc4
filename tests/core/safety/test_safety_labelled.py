"""Precision/recall of the rules on the labelled prompt sets (tests/data/prompts/*.tsv).

labelled.tsv is the development set (the rules were tuned on it, so its figures are optimistic); the
thresholds are what the policy promises on it. holdout.tsv, holdout2.tsv and holdout3.tsv were each
written after a round of rule changes and measured once before their misses were fixed; holdout4.tsv was
written last and never tuned on (see docs/safety.md). Here they only guard against regressions below a floor.
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


@pytest.mark.parametrize("name, floor", [("holdout.tsv", 0.9), ("holdout2.tsv", 0.9), ("holdout3.tsv", 0.9), ("holdout4.tsv", 0.55)])
def test_holdout_floor(name, floor):
    """holdout4 was never tuned on (0.60 refused at its only measurement); the others were, after measuring."""
    report = evaluate(read_labelled(DATA / name))
    assert report.total >= 70
    assert report.harmful_recall >= floor, format_report(report)
    assert report.false_refusal_rate <= 0.05, format_report(report)


def test_malformed_labelled_file_is_rejected(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("text\texpected_category\tnote\nonly one column\n", encoding="utf-8")
    with pytest.raises(BadInput, match="3 tab-separated columns"):
        read_labelled(bad)
    bad.write_text("prompt\tlabel\n", encoding="utf-8")
    with pytest.raises(BadInput, match="header"):
        read_labelled(bad)
