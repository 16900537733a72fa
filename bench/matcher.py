"""Benchmark: the intent matcher against the naive rapidfuzz baseline, on one core.

    .venv/bin/python bench/matcher.py

Prints build time, memory of the built matcher, per-message latency p50/p99 and throughput over
a realistic mix (the labelled and development sets: all ten languages, short and long, typos,
out-of-scope), with the same figures for the naive baseline
`process.extractOne(text, all_phrases, scorer=fuzz.WRatio, processor=utils.default_process)`
and both accuracies; then the same for a synthetic catalog ten times larger.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rapidfuzz import fuzz, process, utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.intents.catalog import Catalog, LanguageEntry  # noqa: E402
from core.intents.evaluation import LabelledMessage, read_labelled  # noqa: E402
from core.intents.language import warm_up  # noqa: E402
from core.intents.loader import load_catalog  # noqa: E402
from core.intents.matcher import Matcher  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "labelled_messages.jsonl"
DEVELOPMENT = ROOT / "tests" / "data" / "dev_messages.jsonl"
BASELINE_SAMPLE = 400  # the baseline is slow; time it on a sample of the mix
SCALE = 10


class Baseline:
    """The naive approach: the best WRatio over every phrase of every language."""

    def __init__(self, catalog: Catalog) -> None:
        self.phrases: list[str] = []
        self.intents: list[str] = []
        for intent in catalog:
            for entry in intent.languages.values():
                for phrase in entry.phrases:
                    self.phrases.append(phrase)
                    self.intents.append(intent.code)

    def classify(self, text: str) -> str:
        best = process.extractOne(
            text, self.phrases, scorer=fuzz.WRatio, processor=utils.default_process
        )
        return self.intents[best[2]] if best else "unknown"


def build(factory: Callable[[], object]) -> tuple[object, float, float]:
    """The object, seconds to build it, and MiB it keeps allocated.

    Timed and measured in two separate builds: tracing every allocation slows building down
    several times, so a traced build's time would be wrong.
    """
    gc.collect()
    started = time.perf_counter()
    built = factory()
    seconds = time.perf_counter() - started
    del built
    gc.collect()
    tracemalloc.start()
    built = factory()
    gc.collect()
    kept = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    return built, seconds, kept


def latencies(classify: Callable[[str], str], texts: list[str]) -> list[float]:
    out = []
    for text in texts:
        started = time.perf_counter_ns()
        classify(text)
        out.append((time.perf_counter_ns() - started) / 1e6)
    return out


def accuracy(classify: Callable[[str], str], messages: list[LabelledMessage]) -> float:
    return sum(classify(m.text) == m.intent for m in messages) / len(messages)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def scaled_catalog(catalog: Catalog, factor: int, rng: random.Random) -> Catalog:
    """Each phrase plus factor-1 synthetic variants: words shuffled, dropped, typos, fillers."""
    intents = {}
    for intent in catalog:
        languages = {}
        for language, entry in intent.languages.items():
            vocabulary = [word for phrase in entry.phrases for word in phrase.split()]
            phrases = list(entry.phrases)
            for phrase in entry.phrases:
                for _ in range(factor - 1):
                    words = phrase.split() or [phrase]
                    rng.shuffle(words)
                    if len(words) > 3:
                        words.pop(rng.randrange(len(words)))
                    words.append(rng.choice(vocabulary))
                    word = rng.randrange(len(words))
                    if len(words[word]) > 3:
                        cut = rng.randrange(1, len(words[word]) - 1)
                        words[word] = words[word][:cut] + words[word][cut + 1 :]
                    phrases.append(" ".join(words))
            languages[language] = LanguageEntry(
                entry.name, entry.description, tuple(phrases), entry.keywords, entry.answer
            )
        intents[intent.code] = replace(intent, languages=languages)
    return Catalog(intents, catalog.groups, catalog.directory)


def report(
    name: str, built_s: float, mib: float, lat: list[float], acc: float | None
) -> dict[str, float]:
    p50, p99 = percentile(lat, 0.50), percentile(lat, 0.99)
    throughput = 1000 / statistics.fmean(lat)
    accuracy_text = f"{acc:8.3f}" if acc is not None else "       -"
    print(
        f"{name:34} {built_s:8.2f} {mib:9.1f} {p50:9.3f} {p99:9.3f} {throughput:10.0f} {accuracy_text}"
    )
    return {"p50": p50, "p99": p99, "throughput": throughput}


def main() -> None:
    rng = random.Random(11)
    catalog = load_catalog(ROOT / "intents")
    labelled = read_labelled(LABELLED)
    mix = [m.text for m in labelled + read_labelled(DEVELOPMENT)]
    rng.shuffle(mix)
    sample = mix[:BASELINE_SAMPLE]
    phrases = sum(len(e.phrases) for i in catalog for e in i.languages.values())
    # The language model is loaded once per process, whatever the catalog.
    tracemalloc.start()
    started = time.perf_counter()
    warm_up()
    language_seconds = time.perf_counter() - started
    language_mib = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    print(
        f"language model (py3langid, once per process): {language_seconds:.2f} s (traced), "
        f"{language_mib:.1f} MiB"
    )

    print(
        f"messages in the mix: {len(mix)} (baseline timed on {len(sample)}); one core, one thread"
    )
    print(
        f"{'':34} {'build s':>8} {'mem MiB':>9} {'p50 ms':>9} {'p99 ms':>9} {'msg/s':>10} {'accuracy':>8}"
    )
    results = {}
    for label, cat in (
        ("full catalog", catalog),
        (f"{SCALE}x catalog", scaled_catalog(catalog, SCALE, rng)),
    ):
        count = sum(len(e.phrases) for i in cat for e in i.languages.values())
        print(f"-- {label}: {count} phrases")
        matcher, seconds, mib = build(lambda cat=cat: Matcher(cat))
        assert isinstance(matcher, Matcher)
        matcher.match("warm up")
        ours = report(
            "civicdesk matcher",
            seconds,
            mib,
            latencies(lambda t, m=matcher: m.match(t).intent, mix),
            accuracy(lambda t, m=matcher: m.match(t).intent, labelled),
        )
        baseline, seconds, mib = build(lambda cat=cat: Baseline(cat))
        assert isinstance(baseline, Baseline)
        naive_acc = accuracy(baseline.classify, labelled) if label == "full catalog" else None
        naive = report(
            "naive extractOne(WRatio)",
            seconds,
            mib,
            latencies(baseline.classify, sample),
            naive_acc,
        )
        print(f"   speed-up: {ours['throughput'] / naive['throughput']:.0f}x throughput")
        results[label] = ours
    growth = results[f"{SCALE}x catalog"]["p50"] / results["full catalog"]["p50"]
    print(f"phrases x{SCALE} ({phrases} -> {phrases * SCALE}): matcher p50 latency x{growth:.2f}")


if __name__ == "__main__":
    main()
