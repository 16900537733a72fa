"""Measuring the matcher on a labelled set: the figures `civicdesk intents eval` prints."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.intents.catalog import UNKNOWN_INTENT
from core.intents.matcher import EMERGENCY_INTENT, Matcher


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    intent: str
    language: str


def read_labelled(path: Path) -> list[LabelledMessage]:
    """Lines of `{"text": ..., "intent": ..., "lang": ...}`; a bad line is named in the error."""
    messages = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            messages.append(LabelledMessage(str(row["text"]), str(row["intent"]), str(row["lang"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: expected {{text, intent, lang}}: {exc}") from exc
    return messages


@dataclass
class Report:
    total: int = 0
    correct: int = 0
    by_language: dict[str, list[int]] = field(default_factory=dict)  # language -> [correct, total]
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    true_positives: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    actual: Counter[str] = field(default_factory=Counter)

    def add(self, message: LabelledMessage, predicted: str) -> None:
        self.total += 1
        hit = predicted == message.intent
        self.correct += hit
        counts = self.by_language.setdefault(message.language, [0, 0])
        counts[0] += hit
        counts[1] += 1
        self.predicted[predicted] += 1
        self.actual[message.intent] += 1
        if hit:
            self.true_positives[predicted] += 1
        else:
            self.confusions[(message.intent, predicted)] += 1

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def language_accuracy(self) -> dict[str, float]:
        return {
            language: hits / total for language, (hits, total) in sorted(self.by_language.items())
        }

    def precision(self, intent: str) -> float:
        predicted = self.predicted[intent]
        return self.true_positives[intent] / predicted if predicted else 0.0

    def recall(self, intent: str) -> float:
        actual = self.actual[intent]
        return self.true_positives[intent] / actual if actual else 0.0

    def macro_f1(self) -> float:
        scores = []
        for intent in self.actual:
            precision, recall = self.precision(intent), self.recall(intent)
            scores.append(
                2 * precision * recall / (precision + recall) if precision + recall else 0.0
            )
        return sum(scores) / len(scores) if scores else 0.0

    def as_dict(self, most_confused: int = 10) -> dict[str, Any]:
        return {
            "messages": self.total,
            "top1_accuracy": round(self.accuracy, 4),
            "accuracy_by_language": {k: round(v, 4) for k, v in self.language_accuracy().items()},
            "macro_f1": round(self.macro_f1(), 4),
            "out_of_scope_precision": round(self.precision(UNKNOWN_INTENT), 4),
            "out_of_scope_recall": round(self.recall(UNKNOWN_INTENT), 4),
            "emergency_recall": round(self.recall(EMERGENCY_INTENT), 4),
            "most_confused": [
                {"actual": actual, "predicted": predicted, "count": count}
                for (actual, predicted), count in self.confusions.most_common(most_confused)
            ],
        }


def evaluate(matcher: Matcher, messages: Iterable[LabelledMessage]) -> Report:
    report = Report()
    for message in messages:
        report.add(message, matcher.match(message.text).intent)
    return report
