"""Which of our ten languages a message is written in, offline.

The script settles Arabic and Chinese at once; Ukrainian letters (і ї є ґ) settle Ukrainian;
everything else goes to py3langid's naive Bayes model (shipped inside the package), restricted to
our languages.
"""

from __future__ import annotations

import re
import threading

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from core.i18n import SUPPORTED_LOCALES

ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
UKRAINIAN_ONLY = re.compile(r"[іїєґІЇЄҐ]")
RUSSIAN_ONLY = re.compile(r"[ыэъЫЭЪ]")
LETTER = re.compile(r"[^\W\d_]")
_lock = threading.Lock()


_cached: list[LanguageIdentifier] = []


def _identifier() -> LanguageIdentifier:
    if not _cached:
        with _lock:
            if not _cached:
                identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                identifier.set_languages(list(SUPPORTED_LOCALES))
                _cached.append(identifier)
    return _cached[0]


def warm_up() -> None:
    """Load the model now (about half a second) rather than on the first message."""
    _identifier()


def detect_language(text: str) -> str | None:
    """The message's language, or None when it has no letters at all (emoji, numbers)."""
    letters = LETTER.findall(text)
    if not letters:
        return None
    arabic = sum(1 for char in letters if ARABIC.match(char))
    han = sum(1 for char in letters if HAN.match(char))
    if arabic * 2 >= len(letters):
        return "ar"
    if han * 3 >= len(letters):  # Chinese is dense: a third of the letters is plenty
        return "zh"
    has_ukrainian, has_russian = bool(UKRAINIAN_ONLY.search(text)), bool(RUSSIAN_ONLY.search(text))
    if has_ukrainian != has_russian:
        return "uk" if has_ukrainian else "ru"
    language, _probability = _identifier().classify(text)
    return str(language)
