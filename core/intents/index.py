"""The matcher's index: which words point to which intents, and how strongly.

Every phrase, keyword and name of every language goes in, with learned examples. A term is a
word, a light stem of it (so "потекла" meets "потекло", "الشارع" meets "شارع"), or for Chinese a
character or pair of characters. Its weight for an intent grows with how many of the intent's
phrases use it (saturating, so one repeated word cannot dominate) and with how few intents use it
at all (a word every intent shares says nothing).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from core.intents.catalog import UNKNOWN_INTENT, Catalog, IntentKind
from core.intents.normalize import UNSPACED_SCRIPT, normalise
from core.intents.stopwords import stopwords

STEM_LENGTH = 5  # prefix kept for Latin and Cyrillic words of six letters or more
STEM_WEIGHT = 0.7  # a stem match is weaker evidence than the word itself
KEYWORD_WEIGHT = 2.0  # a keyword counts as much as two phrases using the word
NAME_WEIGHT = 2.0
PHRASE_SATURATION = 1.0  # K in df / (df + K)
FUZZY_MIN_LENGTH = 4  # shorter words are too easy to confuse ("bin"/"bus")
FUZZY_CUTOFF = 80  # rapidfuzz ratio needed to take a typo for a known word
FUZZY_WEIGHT = 0.9  # even a close typo match is a little less sure than the word itself
FUZZY_CANDIDATES = 2
FUZZY_CACHE_SIZE = 50_000  # distinct unknown words remembered before the cache starts over
ARABIC_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال", "و", "ب", "ل")
ARABIC_SUFFIXES = ("ها", "ات", "ون", "ين", "ه", "ي")
MIN_ARABIC_STEM = 3


def stem(token: str) -> str | None:
    """A light stem, marked with "~" so it never collides with a real word."""
    if UNSPACED_SCRIPT.match(token):
        return None
    if "\u0600" <= token[0] <= "\u06ff":
        for prefix in ARABIC_PREFIXES:
            if token.startswith(prefix) and len(token) - len(prefix) >= MIN_ARABIC_STEM:
                token = token[len(prefix) :]
                break
        for suffix in ARABIC_SUFFIXES:
            if token.endswith(suffix) and len(token) - len(suffix) >= MIN_ARABIC_STEM:
                token = token[: -len(suffix)]
                break
        return "~" + token
    if len(token) > STEM_LENGTH:
        return "~" + token[:STEM_LENGTH]
    return None


def terms_of(token: str) -> Iterator[tuple[str, float]]:
    yield token, 1.0
    stemmed = stem(token)
    if stemmed is not None:
        yield stemmed, STEM_WEIGHT


@dataclass(frozen=True)
class Document:
    intent: str
    language: str
    text: str
    weight: float = 1.0


def catalog_documents(catalog: Catalog) -> Iterator[Document]:
    for intent in catalog:
        for language, entry in intent.languages.items():
            for phrase in entry.phrases:
                yield Document(intent.code, language, phrase)
            for keyword in entry.keywords:
                yield Document(intent.code, language, keyword, KEYWORD_WEIGHT)
            yield Document(intent.code, language, entry.name, NAME_WEIGHT)
    for language, phrases in catalog.out_of_scope.items():
        for phrase in phrases:
            yield Document(UNKNOWN_INTENT, language, phrase)


class IntentIndex:
    def __init__(self, catalog: Catalog, extra: Iterable[Document] = ()) -> None:
        self.kinds: dict[str, IntentKind | None] = {intent.code: intent.kind for intent in catalog}
        if catalog.out_of_scope:
            self.kinds[UNKNOWN_INTENT] = None  # counter-examples compete like an intent
        self._counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self._fuzzy_cache: dict[str, list[tuple[str, float]]] = {}
        self.weights: dict[str, dict[str, float]] = {}
        self.idf: dict[str, float] = {}
        # term -> intent -> share of the term's uses that are this intent's (P(intent | term))
        self.shares: dict[str, dict[str, float]] = {}
        self._by_first_letter: dict[str, list[str]] = defaultdict(list)
        self.documents = 0
        for document in (*catalog_documents(catalog), *extra):
            self._count(document)
        self._reweigh(self._counts)

    @property
    def intent_count(self) -> int:
        return len(self.kinds)

    @property
    def max_idf(self) -> float:
        return math.log(1 + self.intent_count)

    def _count(self, document: Document) -> set[str]:
        self.documents += 1
        ignored = stopwords(document.language)
        terms = {
            term
            for token in normalise(document.text).tokens
            if token not in ignored
            for term, _ in terms_of(token)
        }
        for term in terms:
            if (
                term not in self._counts
                and not term.startswith("~")
                and not UNSPACED_SCRIPT.match(term)
                and len(term) >= FUZZY_MIN_LENGTH
            ):
                self._by_first_letter[term[0]].append(term)
            self._counts[term][document.intent] += document.weight
        return terms

    def _reweigh(self, terms: Iterable[str]) -> None:
        for term in terms:
            counts = self._counts[term]
            idf = math.log(1 + self.intent_count / len(counts))
            self.idf[term] = idf
            total = sum(counts.values())
            self.weights[term] = {
                intent: idf * count / (count + PHRASE_SATURATION)
                for intent, count in counts.items()
            }
            self.shares[term] = {intent: count / total for intent, count in counts.items()}

    def add(self, document: Document) -> None:
        """Learn one more example without rebuilding everything."""
        if document.intent not in self.kinds:
            raise ValueError(f"unknown intent {document.intent!r}")
        self._reweigh(self._count(document))
        self._fuzzy_cache.clear()

    def lookup(self, token: str) -> list[tuple[str, float]]:
        """Known terms for a message word, each with how sure the match is (0-1)."""
        found = [(term, weight) for term, weight in terms_of(token) if term in self.weights]
        if found or len(token) < FUZZY_MIN_LENGTH or UNSPACED_SCRIPT.match(token):
            return found
        cached = self._fuzzy_cache.get(token)
        if cached is None:
            if len(self._fuzzy_cache) >= FUZZY_CACHE_SIZE:
                self._fuzzy_cache.clear()
            candidates = self._by_first_letter.get(token[0], [])
            matches = process.extract(
                token,
                candidates,
                scorer=fuzz.ratio,
                score_cutoff=FUZZY_CUTOFF,
                limit=FUZZY_CANDIDATES,
            )
            cached = [(term, score / 100 * FUZZY_WEIGHT) for term, score, _ in matches]
            self._fuzzy_cache[token] = cached
        return cached
