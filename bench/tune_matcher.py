"""Choose the matcher's decision thresholds on the development set.

    .venv/bin/python bench/tune_matcher.py

Grid-searches `Tuning` on tests/data/dev_messages.jsonl (which the tests never assert on),
maximising top-1 accuracy under the product's constraints (emergency recall >= 0.97 and
out-of-scope precision >= 0.85 are enforced as penalties), then prints how the best settings do
on the independent labelled set. Copy the winner into `Tuning`'s defaults.
"""

from __future__ import annotations

import itertools
import sys
import time
from dataclasses import fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.intents.evaluation import LabelledMessage, Report, read_labelled  # noqa: E402
from core.intents.language import detect_language  # noqa: E402
from core.intents.loader import load_catalog  # noqa: E402
from core.intents.matcher import Evidence, Matcher, Tuning  # noqa: E402

GRID: dict[str, list[float]] = {
    "specific_share": [0.5, 0.6, 0.7],
    "emergency_specific": [1.0, 1.5, 2.0, 2.5],
    "emergency_ratio": [0.6, 0.7, 0.8],
    "unknown_coverage": [0.15, 0.2],
    "weak_coverage": [0.3],
    "strong_term": [1.5, 2.0, 2.5],
    "emergency_keyword_ratio": [0.3, 0.5, 0.7, 1.01],
}
EMERGENCY_RECALL_FLOOR = 0.97
OUT_OF_SCOPE_PRECISION_FLOOR = 0.85


def objective(figures: dict[str, object]) -> float:
    accuracy = float(figures["top1_accuracy"])  # type: ignore[arg-type]
    recall_gap = max(0.0, EMERGENCY_RECALL_FLOOR - float(figures["emergency_recall"]))  # type: ignore[arg-type]
    precision_gap = max(
        0.0, OUT_OF_SCOPE_PRECISION_FLOOR - float(figures["out_of_scope_precision"])
    )  # type: ignore[arg-type]
    return accuracy - 3 * recall_gap - 2 * precision_gap


class Replay:
    """Evidence depends only on `specific_share`; decisions are replayed for every setting."""

    def __init__(self, matcher: Matcher, messages: list[LabelledMessage]) -> None:
        self.matcher = matcher
        self.messages = messages
        self.languages = [detect_language(message.text) for message in messages]
        self.cache: dict[float, list[Evidence]] = {}

    def report(self, tuning: Tuning) -> Report:
        self.matcher.tuning = tuning
        if tuning.specific_share not in self.cache:
            self.cache[tuning.specific_share] = [
                self.matcher.evidence(m.text, lang)
                for m, lang in zip(self.messages, self.languages, strict=True)
            ]
        report = Report()
        for message, evidence, language in zip(
            self.messages, self.cache[tuning.specific_share], self.languages, strict=True
        ):
            report.add(message, self.matcher.decide(evidence, language).intent)
        return report


def main() -> None:
    matcher = Matcher(load_catalog(ROOT / "intents"))
    dev = Replay(matcher, read_labelled(ROOT / "tests" / "data" / "dev_messages.jsonl"))
    test = Replay(matcher, read_labelled(ROOT / "tests" / "data" / "labelled_messages.jsonl"))
    started = time.perf_counter()
    results = []
    for values in itertools.product(*GRID.values()):
        tuning = replace(Tuning(), **dict(zip(GRID, values, strict=True)))
        figures = dev.report(tuning).as_dict()
        results.append((objective(figures), tuning, figures))
    results.sort(key=lambda result: -result[0])
    print(
        f"{len(results)} settings in {time.perf_counter() - started:.0f}s; best on the development set:"
    )
    keys = ("top1_accuracy", "out_of_scope_precision", "out_of_scope_recall", "emergency_recall")
    for score, tuning, figures in results[:5]:
        print(f"  {score:.4f} {[figures[k] for k in keys]} {tuning}")
    current = Tuning()
    for label, tuning in (("best", results[0][1]), ("current defaults", current)):
        dev_figures, test_figures = dev.report(tuning).as_dict(), test.report(tuning).as_dict()
        print(
            f"{label}: dev {[dev_figures[k] for k in keys]}  labelled {[test_figures[k] for k in keys]}"
            f"  weakest language {min(test_figures['accuracy_by_language'].values())}"
        )
    print("best settings:", {f.name: getattr(results[0][1], f.name) for f in fields(Tuning)})


if __name__ == "__main__":
    main()
