"""The intent matcher: what does a resident's message ask for?

Pure and synchronous. Each word of the message is looked up in the index (exactly, by its stem,
or through rapidfuzz as a typo of a known word); every intent collects the evidence its words
give, and the share of the whole message's evidence that the best intent explains is the score.
Emergencies are decided first and generously; then the best intent is confident, ambiguous with
a close runner-up, or unknown when the message says too little that the catalog knows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.intents.catalog import UNKNOWN_INTENT, Catalog
from core.intents.index import Document, IntentIndex
from core.intents.language import detect_language
from core.intents.normalize import normalise
from core.intents.stopwords import stopwords

EMERGENCY_INTENT = "emergency"
MAX_TOKENS = 300  # a 10,000-character story is judged on its first 300 words


@dataclass(frozen=True)
class Tuning:
    """Decision thresholds. Chosen by bench/tune_matcher.py on tests/data/dev_messages.jsonl
    (never on the labelled set the tests assert on): the most accurate setting whose emergency
    recall stays at or above 0.97 and out-of-scope precision at or above 0.85. Neighbouring
    settings score within a point, so these are not knife-edge values.

    Scores are in "evidence units": a word used by one intent only, in many of its phrases, is
    worth log(1 + intents) * ~1, about 3.3; a word shared by half the intents about 0.7.
    """

    # Unknown: the best intent explains less than this share of the message's evidence...
    unknown_coverage: float = 0.15
    # ...or explains less than this share and none of its words is stronger than `strong_term`.
    weak_coverage: float = 0.30
    strong_term: float = 1.5
    # A word is specific to an intent when at least this share of its uses are that intent's.
    specific_share: float = 0.6
    # Ambiguous: a runner-up scores at least this fraction of the best.
    ambiguous_ratio: float = 0.85
    max_alternatives: int = 3
    # Emergency first, biased to recall: it wins whenever it scores this fraction of the best
    # intent and this much of its evidence is emergency-specific (fire, unconscious, knife...).
    emergency_ratio: float = 0.7
    emergency_specific: float = 2.0
    # An emergency keyword ("fire", "unconscious", "yangın") is enough when emergency scores at
    # least this fraction of the best intent: one word like that must not be outvoted easily.
    emergency_keyword_ratio: float = 0.5


class Decision(StrEnum):
    CONFIDENT = "confident"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Alternative:
    intent: str
    score: float


@dataclass(frozen=True)
class MatchResult:
    intent: str
    score: float
    language: str | None
    decision: Decision
    alternatives: tuple[Alternative, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "score": self.score,
            "language": self.language,
            "decision": self.decision.value,
            "alternatives": [{"intent": a.intent, "score": a.score} for a in self.alternatives],
        }


@dataclass
class Evidence:
    """What the message's words say about each intent."""

    total: float  # how much the message says at all (unknown words count fully)
    score: dict[str, float]  # per intent: sum over words of its best matching term's weight
    strongest: dict[str, float]  # per intent: its single strongest word
    # per intent: the part of its score from words mostly used by this intent, not shared
    specific: dict[str, float]
    # one of the emergency intent's keywords, in the message's language, is in the message
    emergency_keyword: bool = False

    def ranked(self) -> list[tuple[str, float]]:
        return sorted(self.score.items(), key=lambda item: (-item[1], item[0]))

    def coverage(self, intent: str) -> float:
        return min(1.0, self.score.get(intent, 0.0) / self.total) if self.total else 0.0


class Matcher:
    def __init__(
        self, catalog: Catalog, learned: Iterable[Document] = (), tuning: Tuning | None = None
    ) -> None:
        self.index = IntentIndex(catalog, learned)
        self.tuning = tuning or Tuning()
        self._emergency_keywords = _emergency_keywords(catalog, self.index)

    def learn(self, intent: str, language: str, text: str) -> None:
        self.index.add(Document(intent, language, text))

    def evidence(self, text: str, language: str | None = None) -> Evidence:
        index = self.index
        ignored = stopwords(language)
        total = 0.0
        score: dict[str, float] = defaultdict(float)
        strongest: dict[str, float] = defaultdict(float)
        specific: dict[str, float] = defaultdict(float)
        normalised = normalise(text)
        for token in normalised.tokens[:MAX_TOKENS]:
            if token in ignored:
                continue
            matches = index.lookup(token)
            if not matches:
                total += index.max_idf
                continue
            total += max(index.idf[term] * certainty for term, certainty in matches)
            best: dict[str, tuple[float, float]] = {}
            for term, certainty in matches:
                shares = index.shares[term]
                for intent, weight in index.weights[term].items():
                    value = weight * certainty
                    if value > best.get(intent, (0.0, 0.0))[0]:
                        best[intent] = (value, shares[intent])
            for intent, (value, share) in best.items():
                score[intent] += value
                if share >= self.tuning.specific_share:
                    specific[intent] += value
                if value > strongest[intent]:
                    strongest[intent] = value
        keyword = self._has_emergency_keyword(normalised.text, language)
        return Evidence(total, dict(score), dict(strongest), dict(specific), keyword)

    def _has_emergency_keyword(self, text: str, language: str | None) -> bool:
        padded = f" {text} "
        languages = [language] if language else list(self._emergency_keywords)
        for code in languages:
            for keyword in self._emergency_keywords.get(code, ()):
                # Chinese has no spaces: a keyword is found inside the run of characters.
                if (f" {keyword} " in padded) or (code == "zh" and keyword in text):
                    return True
        return False

    def match(self, text: str) -> MatchResult:
        language = detect_language(text)
        return self.decide(self.evidence(text, language), language)

    def decide(self, evidence: Evidence, language: str | None) -> MatchResult:
        """Turn the evidence into a decision (separate from `evidence` so tuning can replay it)."""
        tuning = self.tuning
        ranked = evidence.ranked()
        if not ranked:
            return MatchResult(UNKNOWN_INTENT, 0.0, language, Decision.UNKNOWN)
        emergency = evidence.score.get(EMERGENCY_INTENT, 0.0)
        emergency_found = (
            emergency >= tuning.emergency_ratio * ranked[0][1]
            and evidence.specific.get(EMERGENCY_INTENT, 0.0) >= tuning.emergency_specific
        ) or (
            evidence.emergency_keyword
            and emergency >= tuning.emergency_keyword_ratio * ranked[0][1]
        )
        if emergency_found:
            ranked.remove((EMERGENCY_INTENT, emergency))
            ranked.insert(0, (EMERGENCY_INTENT, emergency))
        out_of_scope = ranked[0][0] == UNKNOWN_INTENT
        ranked = [(intent, score) for intent, score in ranked if intent != UNKNOWN_INTENT]
        if not ranked:
            return MatchResult(UNKNOWN_INTENT, 0.0, language, Decision.UNKNOWN)
        best, best_score = ranked[0]
        coverage = round(evidence.coverage(best), 3)
        alternatives = tuple(
            Alternative(intent, round(evidence.coverage(intent), 3))
            for intent, _ in ranked[1 : 1 + tuning.max_alternatives]
        )
        if not emergency_found and (out_of_scope or self._says_too_little(evidence, best, tuning)):
            candidates = (Alternative(best, coverage), *alternatives)[: tuning.max_alternatives]
            return MatchResult(UNKNOWN_INTENT, coverage, language, Decision.UNKNOWN, candidates)
        close = any(score >= tuning.ambiguous_ratio * best_score for _, score in ranked[1:])
        decision = Decision.AMBIGUOUS if close and not emergency_found else Decision.CONFIDENT
        return MatchResult(best, coverage, language, decision, alternatives)

    @staticmethod
    def _says_too_little(evidence: Evidence, intent: str, tuning: Tuning) -> bool:
        coverage = evidence.coverage(intent)
        strong = evidence.strongest.get(intent, 0.0) >= tuning.strong_term
        return coverage < tuning.unknown_coverage or (
            coverage < tuning.weak_coverage and not strong
        )


KEYWORD_MIN_SHARE = 0.2  # "help" and the like are shared by many intents: no emergency signal


def _emergency_keywords(catalog: Catalog, index: IntentIndex) -> dict[str, tuple[str, ...]]:
    """Normalised emergency keywords per language, minus words every intent uses."""
    intent = catalog.get(EMERGENCY_INTENT)
    if intent is None:
        return {}
    keywords: dict[str, tuple[str, ...]] = {}
    for language, entry in intent.languages.items():
        kept = []
        for keyword in entry.keywords:
            normalised = normalise(keyword)
            if len(normalised.tokens) == 1:
                share = index.shares.get(normalised.tokens[0], {}).get(EMERGENCY_INTENT, 0.0)
                if share < KEYWORD_MIN_SHARE:
                    continue
            if normalised.text:
                kept.append(normalised.text)
        keywords[language] = tuple(kept)
    return keywords
