import pytest

from core.intents.language import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("There is a huge pothole on my street", "en"),
        ("Hay un bache enorme en mi calle", "es"),
        ("Il y a un nid-de-poule énorme dans ma rue", "fr"),
        ("In meiner Straße ist ein riesiges Schlagloch", "de"),
        ("Tem um buraco enorme na minha rua", "pt"),
        ("На моїй вулиці величезна яма", "uk"),
        ("На моей улице огромная яма", "ru"),
        ("يوجد حفرة كبيرة في شارعي", "ar"),
        ("Sokağımda kocaman bir çukur var", "tr"),
        ("我家门口的路上有个大坑", "zh"),
    ],
)
def test_each_language_is_recognised(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_no_letters_no_language() -> None:
    assert detect_language("🔥🔥🔥 112 !!!") is None
