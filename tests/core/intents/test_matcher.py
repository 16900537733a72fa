"""Table-driven matcher cases per language (typos included), decisions, and learning."""

import pytest

from core.intents.catalog import Catalog
from core.intents.matcher import Decision, Matcher

CASES = [
    # (language, message, intent)
    ("en", "theres a massive pot hole outside the school", "pothole"),
    ("en", "the lamp post at the corner is flickering all nite", "streetlight"),
    ("en", "bins wernt emptied this week again", "garbage_missed"),
    ("en", "I smell gas in the stairwell", "emergency"),
    ("es", "la farola de mi calle no enciende", "streetlight"),
    ("es", "tiraron un colchon y muebles en el parque", "illegal_dumping"),
    ("es", "no tenemos calefaccion ni agua caliente en el piso", "heating_outage"),
    ("fr", "un arbre est tombé sur le trottoir", "tree_hazard"),
    ("fr", "musique très forte chez les voisins toute la nuit", "noise"),
    ("fr", "à quelle heure ouvre la mairie ?", "office_hours"),
    ("de", "Schlagloch auf der Hauptstrasse, sehr tief", "pothole"),
    ("de", "Graffiti an der Bushaltestelle", "graffiti"),
    ("de", "wann wird der Müll abgeholt?", "trash_schedule"),
    ("pt", "tem um carro abandonado aqui há semanas", "abandoned_vehicle"),
    ("pt", "preciso de ajuda com comida para meus filhos", "food_assistance"),
    ("uk", "прорвало трубу, вода тече по вулиці", "water_leak"),
    ("uk", "нас виселяють з квартири, що робити", "housing_help"),
    ("ru", "сломаны качели на детской площадке в парке", "park_maintenance"),
    ("ru", "нужна помощь пожилой маме дома", "elderly_care"),
    ("ar", "عمود الإنارة في شارعنا لا يعمل", "streetlight"),
    ("ar", "أحتاج مساعدة قانونية بخصوص الإقامة", "legal_aid"),
    ("tr", "sokakta büyük bir çukur var", "pothole"),
    ("tr", "kaldırım kırık, tekerlekli sandalye geçemiyor", "sidewalk_accessibility"),
    ("zh", "我家楼下的路灯坏了", "streetlight"),
    ("zh", "邻居家着火了，有烟", "emergency"),
]


@pytest.fixture(scope="module")
def matcher(catalog: Catalog) -> Matcher:
    return Matcher(catalog)


@pytest.mark.parametrize(
    ("language", "text", "intent"),
    CASES,
    ids=[f"{lang}-{intent}-{i}" for i, (lang, _, intent) in enumerate(CASES)],
)
def test_cases(matcher: Matcher, language: str, text: str, intent: str) -> None:
    result = matcher.match(text)
    assert result.intent == intent, result
    assert result.language == language
    assert result.decision in (Decision.CONFIDENT, Decision.AMBIGUOUS)
    assert 0 < result.score <= 1


@pytest.mark.parametrize(
    "text",
    ["hello", "what's the score of the match tonight", "😂😂😂", "", "asdkjh qwe zzz", "1234"],
)
def test_nothing_to_do_with_the_city_is_unknown(matcher: Matcher, text: str) -> None:
    result = matcher.match(text)
    assert result.intent == "unknown"
    assert result.decision is Decision.UNKNOWN


def test_the_result_carries_alternatives(matcher: Matcher) -> None:
    result = matcher.match("the bins were not collected and also what day is recycling pickup")
    assert result.intent in ("garbage_missed", "trash_schedule")
    intents = [alternative.intent for alternative in result.alternatives]
    assert intents and result.intent not in intents
    assert {"garbage_missed", "trash_schedule"} & ({result.intent} | set(intents)) == {
        "garbage_missed",
        "trash_schedule",
    }
    assert result.as_dict()["alternatives"][0].keys() == {"intent", "score"}


def test_emergencies_win_over_the_problem_that_caused_them(matcher: Matcher) -> None:
    result = matcher.match("a pothole made a cyclist fall, he is unconscious and bleeding")
    assert result.intent == "emergency"
    assert result.decision is Decision.CONFIDENT


def test_a_10000_character_message_is_matched(matcher: Matcher) -> None:
    result = matcher.match("pothole " + "blah " * 2000)
    assert result.intent in ("pothole", "unknown")


def test_learning_an_example_changes_the_answer_without_rebuilding(catalog: Catalog) -> None:
    matcher = Matcher(catalog)
    text = "the zebra crossing paint has vanished completely"
    before = matcher.match(text)
    for _ in range(3):
        matcher.learn("sidewalk_accessibility", "en", text)
    after = matcher.match(text)
    assert after.intent == "sidewalk_accessibility", (before, after)
    with pytest.raises(ValueError, match="unknown intent"):
        matcher.learn("teleportation", "en", "beam me up")
