"""Function words the matcher ignores, per language (data in stopwords.yaml).

They are applied per language (the document's, or the message's detected one), because a
function word in one language is a content word in another: German "die" is English "die".
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from core.intents.normalize import normalise

STOPWORDS_FILE = Path(__file__).resolve().parent / "stopwords.yaml"


@functools.cache
def stopwords(language: str | None) -> frozenset[str]:
    if language is None:
        return frozenset()
    return _all().get(language, frozenset())


@functools.cache
def _all() -> dict[str, frozenset[str]]:
    raw = yaml.safe_load(STOPWORDS_FILE.read_text(encoding="utf-8"))
    # Normalised like messages are, so "está" in the list also removes a typed "esta".
    return {
        language: frozenset(token for word in words for token in normalise(word).tokens)
        for language, words in raw.items()
    }
