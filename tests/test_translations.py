"""Every gettext catalog is complete and consistent with the English source."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from core.i18n import LOCALES_DIR, SUPPORTED_LOCALES, translations

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)s")
TAG = re.compile(r"</?b>")
COMMAND = re.compile(r"/(?:start|mytickets|language|privacy|mydata|forget|help)\b")


def catalog(locale: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def test_the_template_is_up_to_date_with_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_noop",
            "-k",
            "ngettext:1,2",
            "--no-location",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with fresh.open("rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        committed = {m.id for m in read_po(handle) if m.id}
    assert extracted == committed, "run the extract and update commands in the README"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_message_is_translated_with_matching_placeholders(locale: str) -> None:
    problems = []
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        source_ids = {m.id for m in read_po(handle) if m.id}
    translated = catalog(locale)
    assert {m.id for m in translated if m.id} == source_ids, "update the catalog from the template"
    for message in translated:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {ids[0]!r}")
            continue
        for text in strings:
            for pattern in (PLACEHOLDER, TAG, COMMAND):
                if set(pattern.findall(text)) != set(pattern.findall(ids[-1])):
                    problems.append(f"{pattern.pattern} differs in {ids[0]!r}: {text!r}")
    assert not problems, problems[:10]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_plural_forms_follow_the_language(locale: str) -> None:
    translated = catalog(locale)
    # gettext's plural rule for the language (Arabic 6 forms, Ukrainian 3, Chinese 1, ...).
    assert translated.num_plurals == get_plural(locale).num_plurals
    assert translated.plural_expr == get_plural(locale).plural_expr
    for message in translated:
        if message.id and isinstance(message.id, tuple):
            assert len(message.string) == translated.num_plurals, message.id
            assert all(message.string), message.id


@pytest.mark.parametrize("locale", [locale for locale in SUPPORTED_LOCALES if locale != "en"])
def test_compiled_catalogs_are_used(locale: str) -> None:
    assert translations(locale).gettext("Choose your language:") != "Choose your language:"


def test_menu_labels_are_distinct_in_every_language() -> None:
    from zoneinfo import ZoneInfo

    from bot.i18n import Texts
    from bot.keyboards import menu_labels
    from core.intents.catalog import Catalog

    for locale in SUPPORTED_LOCALES:
        labels = menu_labels(Texts(locale, ZoneInfo("UTC"), Catalog({})))
        assert len(set(labels.values())) == len(labels), locale


def test_arabic_is_laid_out_right_to_left() -> None:
    from zoneinfo import ZoneInfo

    from bot.i18n import LRI, PDI, RLM, Texts
    from core.intents.catalog import Catalog

    arabic = Texts("ar", ZoneInfo("UTC"), Catalog({}))
    text = arabic.finish(
        arabic._("Your reference: {reference}").format(reference=arabic.isolate("7KQ-M4X2"))
    )
    assert text.startswith(RLM)
    assert f"{LRI}7KQ-M4X2{PDI}" in text
    assert any("\u0600" <= char <= "\u06ff" for char in text)
    english = Texts("en", ZoneInfo("UTC"), Catalog({}))
    assert english.finish("x") == "x" and english.isolate("7KQ") == "7KQ"
