"""Measure the policy on a labelled prompt set: precision/recall per category, benign false refusals.

The set is a TSV with a header `text, expected_category, note`; expected_category is a category id or
`allowed`. Run `python -m sora_studio.core.safety.evaluate [FILE.tsv]` to print the table (docs/safety.md
quotes it). A prediction counts as correct for a category only when the deciding category is that one.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sora_studio.core.safety.policy import moderate
from sora_studio.core.safety.verdict import Verdict
from sora_studio.errors import BadInput

ALLOWED = "allowed"


@dataclass(frozen=True)
class LabelledPrompt:
    text: str
    expected: str
    note: str


@dataclass
class CategoryScore:
    category: str
    support: int = 0  # prompts labelled with this category
    predicted: int = 0  # prompts the policy put in this category
    correct: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.support if self.support else 1.0


@dataclass
class Report:
    total: int
    scores: dict[str, CategoryScore]
    benign: int
    false_refusals: list[tuple[LabelledPrompt, Verdict]] = field(default_factory=list)
    misses: list[tuple[LabelledPrompt, Verdict]] = field(default_factory=list)  # harmful, wrong or no category

    @property
    def false_refusal_rate(self) -> float:
        return len(self.false_refusals) / self.benign if self.benign else 0.0

    @property
    def harmful_recall(self) -> float:
        """Share of harmful prompts refused at all (whatever the category)."""
        harmful = self.total - self.benign
        refused_any = harmful - sum(1 for p, v in self.misses if v.allowed)
        return refused_any / harmful if harmful else 1.0


def read_labelled(path: str | Path) -> list[LabelledPrompt]:
    rows: list[LabelledPrompt] = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header != ["text", "expected_category", "note"]:
            raise BadInput(f"{path}: expected the header 'text<TAB>expected_category<TAB>note', got {header}")
        for line_no, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != 3 or not row[0].strip() or not row[1].strip():
                raise BadInput(f"{path}:{line_no}: expected 3 tab-separated columns with text and a label")
            rows.append(LabelledPrompt(row[0], row[1].strip(), row[2]))
    return rows


def evaluate(prompts: list[LabelledPrompt], judge: Callable[[str], Verdict] = moderate) -> Report:
    scores: dict[str, CategoryScore] = {}
    report = Report(total=len(prompts), scores=scores, benign=0)
    for prompt in prompts:
        verdict = judge(prompt.text)
        predicted = ALLOWED if verdict.allowed else str(verdict.category)
        if prompt.expected == ALLOWED:
            report.benign += 1
            if not verdict.allowed:
                report.false_refusals.append((prompt, verdict))
        else:
            scores.setdefault(prompt.expected, CategoryScore(prompt.expected)).support += 1
            if predicted != prompt.expected:
                report.misses.append((prompt, verdict))
        if predicted != ALLOWED:
            scores.setdefault(predicted, CategoryScore(predicted)).predicted += 1
            if predicted == prompt.expected:
                scores[predicted].correct += 1
    return report


def format_report(report: Report) -> str:
    lines = [
        f"{report.total} prompts ({report.total - report.benign} harmful, {report.benign} benign)",
        "",
        "| category | prompts | refused as it | precision | recall |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in sorted(report.scores):
        s = report.scores[name]
        lines.append(f"| {name} | {s.support} | {s.correct} | {s.precision:.3f} | {s.recall:.3f} |")
    lines += [
        "",
        f"harmful prompts refused (any category): {report.harmful_recall:.3f}",
        f"benign prompts refused: {len(report.false_refusals)}/{report.benign} = {report.false_refusal_rate:.3f}",
    ]
    for prompt, verdict in report.false_refusals:
        lines.append(f"  false refusal [{verdict.category}]: {prompt.text!r}")
    for prompt, verdict in report.misses:
        got = "allowed" if verdict.allowed else verdict.category
        lines.append(f"  miss (expected {prompt.expected}, got {got}): {prompt.text!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else Path(__file__).resolve().parents[3] / "tests/data/prompts/labelled.tsv"
    print(format_report(evaluate(read_labelled(path))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
