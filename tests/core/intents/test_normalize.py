import pytest

from core.intents.normalize import normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Helppp!!! A HUGE hole", "helpp a huge hole"),
        ("Calefacción NO funciona", "calefaccion no funciona"),
        ("Ça déborde, très sale", "ca deborde tres sale"),
        ("Straße kaputt", "strasse kaputt"),
        ("İSTANBUL ışık yok, çöp", "istanbul isik yok cop"),
        ("  spaced\u200b out\u200f  ", "spaced out"),
        ("call 112 now, house 14b", "call sos now house 14b"),
        ("ЁЛКА упала", "елка упала"),
    ],
)
def test_latin_and_cyrillic_text(text: str, expected: str) -> None:
    assert normalise(text).text == expected


def test_cyrillic_letters_keep_their_marks() -> None:
    assert normalise("Теплої води немає, й ще їжі").text == "теплої води немає й ще їжі"


def test_arabic_diacritics_and_letter_variants() -> None:
    assert normalise("الشارعُ مظلمٌ، أعمدة الإنارة مكسورة").text == "الشارع مظلم اعمده الاناره مكسوره"
    assert normalise("إطفاء") == normalise("اطفاء")


def test_chinese_is_split_into_characters_and_pairs() -> None:
    result = normalise("路灯坏了！")
    assert result.text == "路灯坏了"
    assert result.tokens == ("路", "灯", "坏", "了", "路灯", "灯坏", "坏了")


def test_meaningful_emoji_become_words_and_others_vanish() -> None:
    assert normalise("🔥🔥 😂").tokens == ("fire", "fire")
    assert normalise("😂😂😂").tokens == ()
    assert normalise("🗑️ not collected").text == "garbage not collected"


def test_numbers_say_nothing_except_emergency_numbers() -> None:
    assert normalise("12 345 2026").tokens == ()
    assert normalise("911").tokens == ("sos",)


def test_long_and_hostile_input_is_fine() -> None:
    assert len(normalise("a" * 10_000).tokens) == 1
    assert normalise("\x00\x01\ufffd").tokens == ()
    assert normalise("").tokens == ()
