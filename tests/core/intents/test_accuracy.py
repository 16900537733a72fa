"""Accuracy on the labelled set in tests/data, written independently of the catalog phrases."""

from pathlib import Path

import pytest

from core.intents.catalog import Catalog
from core.intents.evaluation import Report, evaluate, read_labelled
from core.intents.matcher import Matcher

LABELLED = Path(__file__).resolve().parents[2] / "data" / "labelled_messages.jsonl"


@pytest.fixture(scope="module")
def report(catalog: Catalog) -> Report:
    messages = read_labelled(LABELLED)
    assert len(messages) >= 500
    assert {message.language for message in messages} == {
        "en",
        "es",
        "fr",
        "de",
        "pt",
        "uk",
        "ru",
        "ar",
        "tr",
        "zh",
    }
    return evaluate(Matcher(catalog), messages)


def test_top1_accuracy_overall(report: Report) -> None:
    assert report.accuracy >= 0.90, report.as_dict()


def test_top1_accuracy_in_every_language(report: Report) -> None:
    weakest = min(report.language_accuracy().items(), key=lambda item: item[1])
    assert weakest[1] >= 0.85, report.language_accuracy()


def test_emergency_recall(report: Report) -> None:
    assert report.recall("emergency") >= 0.97, report.as_dict()["most_confused"]


def test_out_of_scope_precision(report: Report) -> None:
    assert report.precision("unknown") >= 0.80, report.as_dict()


def test_every_intent_is_covered(report: Report, catalog: Catalog) -> None:
    assert set(report.actual) == {intent.code for intent in catalog} | {"unknown"}
