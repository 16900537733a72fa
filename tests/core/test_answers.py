import pytest

from core.errors import ValidationFailed
from core.intents.catalog import Catalog
from core.tickets.answers import validate_answers


def test_valid_answers_are_normalised(catalog: Catalog) -> None:
    pothole = catalog.get("pothole")
    assert validate_answers(pothole, {"size": "large"}) == {"size": "large"}
    vehicle = catalog.get("abandoned_vehicle")
    assert validate_answers(vehicle, {"days_parked": "14", "plate": " AB 123 "}) == {
        "days_parked": 14,
        "plate": "AB 123",
    }
    dumping = catalog.get("illegal_dumping")
    assert validate_answers(dumping, {"items": ["tyres", "bags", "tyres"]}) == {
        "items": ["bags", "tyres"]
    }


@pytest.mark.parametrize(
    ("intent", "answers", "field"),
    [
        ("pothole", {"size": "gigantic"}, "size"),
        ("pothole", {"colour": "red"}, "colour"),
        ("abandoned_vehicle", {"days_parked": "lots"}, "days_parked"),
        ("abandoned_vehicle", {"days_parked": "nan"}, "days_parked"),
        ("water_leak", {}, "problem"),  # required
        ("heating_outage", {"affected": "both", "since": "yesterday-ish"}, "since"),
    ],
)
def test_invalid_answers_name_the_field(
    catalog: Catalog, intent: str, answers: dict, field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_answers(catalog.get(intent), answers)
    assert caught.value.details["field"] == field
