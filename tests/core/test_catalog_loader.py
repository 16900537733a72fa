"""The default catalog loads; every kind of mistake in a catalog is reported precisely."""

import shutil
from pathlib import Path

import pytest
import yaml

from core.i18n import SUPPORTED_LOCALES
from core.intents.catalog import Catalog, CatalogError, IntentKind
from core.intents.loader import MIN_PHRASES_PER_LANGUAGE, load_catalog

CATALOG_CODES = {
    "pothole",
    "streetlight",
    "garbage_missed",
    "illegal_dumping",
    "graffiti",
    "water_leak",
    "noise",
    "abandoned_vehicle",
    "tree_hazard",
    "park_maintenance",
    "sidewalk_accessibility",
    "heating_outage",
    "food_assistance",
    "housing_help",
    "elderly_care",
    "health_clinic",
    "mental_health",
    "youth_programs",
    "legal_aid",
    "disability_support",
    "benefits_enrollment",
    "trash_schedule",
    "office_hours",
    "feedback",
    "emergency",
}


def test_the_default_catalog_has_exactly_the_documented_intents(catalog: Catalog) -> None:
    assert {intent.code for intent in catalog} == CATALOG_CODES
    for intent in catalog:
        assert set(intent.languages) == set(SUPPORTED_LOCALES)
        for entry in intent.languages.values():
            assert len(entry.phrases) >= MIN_PHRASES_PER_LANGUAGE
        if intent.kind is IntentKind.INFORMATION:
            assert all(entry.answer for entry in intent.languages.values())
    assert catalog.get("emergency").kind is IntentKind.EMERGENCY
    assert catalog.get("legal_aid").sensitive


@pytest.fixture
def catalog_copy(tmp_path: Path, catalog: Catalog) -> Path:
    target = tmp_path / "intents"
    assert catalog.directory is not None
    shutil.copytree(catalog.directory, target, ignore=shutil.ignore_patterns("*.md"))
    return target


def edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(directory)
    return [str(problem) for problem in caught.value.problems]


def test_missing_language(catalog_copy: Path) -> None:
    edit(catalog_copy / "pothole.yaml", lambda d: d["languages"].pop("ar"))
    assert problems_of(catalog_copy) == [
        "pothole.yaml: intent pothole, language ar, field languages: language missing"
    ]


def test_duplicate_code(catalog_copy: Path) -> None:
    shutil.copy(catalog_copy / "pothole.yaml", catalog_copy / "pothole_copy.yaml")
    found = problems_of(catalog_copy)
    assert any("pothole_copy.yaml" in p and "duplicate intent code" in p for p in found), found


def test_unknown_datatype(catalog_copy: Path) -> None:
    edit(
        catalog_copy / "pothole.yaml",
        lambda d: d["questions"]["attributes"][0].update(datatype="colour"),
    )
    found = problems_of(catalog_copy)
    assert len(found) == 1
    assert "intent pothole" in found[0] and "questions.attributes.size.datatype" in found[0]
    assert "unknown value 'colour'" in found[0]


def test_empty_phrase_list(catalog_copy: Path) -> None:
    edit(catalog_copy / "noise.yaml", lambda d: d["languages"]["zh"].update(phrases=[]))
    assert problems_of(catalog_copy) == [
        f"noise.yaml: intent noise, language zh, field phrases: has 0 phrases; at least "
        f"{MIN_PHRASES_PER_LANGUAGE} are needed"
    ]


def test_bad_yaml_reports_its_line(catalog_copy: Path) -> None:
    (catalog_copy / "graffiti.yaml").write_text(
        "code: graffiti\nkind: [request\n", encoding="utf-8"
    )
    found = problems_of(catalog_copy)
    assert len(found) == 1 and found[0].startswith("graffiti.yaml:3: invalid YAML"), found


def test_information_intent_needs_an_answer_and_lists_need_options(catalog_copy: Path) -> None:
    edit(catalog_copy / "office_hours.yaml", lambda d: d["languages"]["fr"].pop("answer"))
    edit(catalog_copy / "pothole.yaml", lambda d: d["questions"]["attributes"][0].pop("options"))
    found = problems_of(catalog_copy)
    assert any("office_hours" in p and "language fr, field answer" in p for p in found)
    assert any("pothole" in p and "needs a non-empty options list" in p for p in found)


def test_all_problems_are_reported_at_once(catalog_copy: Path) -> None:
    edit(catalog_copy / "pothole.yaml", lambda d: d["languages"].pop("de"))
    edit(catalog_copy / "noise.yaml", lambda d: d.update(kind="complaint"))
    found = problems_of(catalog_copy)
    assert any("pothole" in p for p in found) and any("noise" in p for p in found)
