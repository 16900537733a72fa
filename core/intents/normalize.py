"""Text normalisation for matching: the same message, however it was typed, gives the same tokens.

NFKC; case folding; accents removed from Latin letters (residents often type without them) but
not from Cyrillic letters such as й or ї, which are different letters; Arabic diacritics and
letter variants unified; punctuation, emoji and numbers removed (a few emoji that mean
something, such as 🔥, become words first); letters stretched for emphasis ("helppp") shortened;
Chinese and other unspaced scripts split into characters and character pairs.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

# Emoji that carry the meaning of a message on their own (🔥 alone is a fire report).
EMOJI_WORDS = {
    "🔥": "fire",
    "🚒": "fire",
    "🧯": "fire",
    "🚑": "ambulance",
    "🆘": "sos",
    "🚨": "emergency",
    "🩸": "bleeding",
    "🔪": "knife",
    "💣": "bomb",
    "☠": "danger",
    "⚠": "danger",
    "💡": "lamp",
    "🕳": "pothole",
    "🗑": "garbage",
    "🚮": "garbage",
    "♻": "recycling",
    "💧": "leak",
    "🚰": "water",
    "🌳": "tree",
    "🌲": "tree",
    "🚗": "car",
    "🚙": "car",
    "🔊": "noise",
    "📢": "noise",
    "🎵": "music",
    "🎶": "music",
    "🥶": "cold",
    "🍞": "food",
    "🏠": "home",
    "♿": "wheelchair",
    "🐕": "dog",
    "🐶": "dog",
}
# Dialled numbers that mean "emergency" in most of the world.
EMERGENCY_NUMBERS = frozenset(
    {
        "112",
        "911",
        "999",
        "000",
        "101",
        "102",
        "103",
        "110",
        "119",
        "120",
        "155",
        "190",
        "192",
        "193",
        "197",
    }
)
STRETCH = re.compile(r"(.)\1{2,}")
BIDI_AND_ZERO_WIDTH = dict.fromkeys(
    [
        0x200B,
        0x200C,
        0x200D,
        0x200E,
        0x200F,
        0x2060,
        0xFEFF,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)
ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
ARABIC_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ة": "ه",
        "ک": "ك",
        "ی": "ي",
    }
)
# Letters people type instead of the ones they mean, once accents are gone.
LETTER_FIXES = str.maketrans(
    {"ı": "i", "ё": "е", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l"}
)
UNSPACED_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Normalised:
    text: str  # space-joined words, ready for rapidfuzz
    tokens: tuple[str, ...]  # words, and for unspaced scripts their characters and pairs


def _is_latin(char: str) -> bool:
    return char.isascii() or "LATIN" in unicodedata.name(char, "")


def _strip_latin_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    kept = []
    previous = ""
    for char in decomposed:
        if unicodedata.category(char) == "Mn" and _is_latin(previous):
            continue  # é -> e, but й and ї keep their marks
        kept.append(char)
        if unicodedata.category(char) != "Mn":
            previous = char
    return unicodedata.normalize("NFC", "".join(kept))


def _symbols_to_words(text: str) -> str:
    out = []
    for char in text:
        if char in EMOJI_WORDS:
            out.append(f" {EMOJI_WORDS[char]} ")
        elif char.isalnum() or char.isspace():
            out.append(char)
        elif unicodedata.category(char) == "Mn":
            out.append(char)  # combining marks stay attached to their letter
        else:
            out.append(" ")  # punctuation, symbols, other emoji
    return "".join(out)


def _unspaced_tokens(word: str) -> list[str]:
    """A run of Chinese characters: its characters and each adjacent pair."""
    chars = [char for char in word if UNSPACED_SCRIPT.match(char)]
    return chars + [a + b for a, b in itertools.pairwise(chars)]


def _split_word(word: str) -> list[str]:
    """Split a word where Chinese meets other scripts ("灯坏了abc" -> ["灯坏了", "abc"])."""
    parts = re.split(rf"({UNSPACED_SCRIPT.pattern}+)", word)
    return [part for part in parts if part]


def normalise(text: str) -> Normalised:
    text = unicodedata.normalize("NFKC", text).translate(BIDI_AND_ZERO_WIDTH)
    text = ARABIC_DIACRITICS.sub("", text).translate(ARABIC_LETTERS)
    text = _symbols_to_words(text).casefold().replace("i\u0307", "i")
    text = _strip_latin_accents(text).translate(LETTER_FIXES)
    text = STRETCH.sub(r"\1\1", text)
    words: list[str] = []
    tokens: list[str] = []
    for raw in text.split():
        for word in _split_word(raw):
            if word.isdigit():
                if word in EMERGENCY_NUMBERS:
                    words.append("sos")
                    tokens.append("sos")
                continue  # house numbers, dates, amounts say nothing about the service
            word = word.strip("_")
            if not word:
                continue
            words.append(word)
            if UNSPACED_SCRIPT.match(word):
                tokens.extend(_unspaced_tokens(word))
            else:
                tokens.append(word)
    return Normalised(" ".join(words), tuple(tokens))
