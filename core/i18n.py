"""Languages, gettext catalogs and locale-aware formatting.

The locale always comes from what a person chose and we stored (resident, staff member), never
from each incoming update; `negotiate_locale` is only used the first time we meet someone.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as babel_format_datetime
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "es", "fr", "de", "pt", "uk", "ru", "ar", "tr", "zh")
RIGHT_TO_LEFT_LOCALES: frozenset[str] = frozenset({"ar"})
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
GETTEXT_DOMAIN = "messages"


def negotiate_locale(language_code: str | None, default: str) -> str:
    """Map a client's language tag (`pt-BR`, `zh-hans`, `uk`) onto one of ours."""
    if not language_code:
        return default
    primary = language_code.replace("_", "-").split("-")[0].lower()
    return primary if primary in SUPPORTED_LOCALES else default


def is_rtl(locale: str) -> bool:
    return locale in RIGHT_TO_LEFT_LOCALES


@functools.lru_cache(maxsize=len(SUPPORTED_LOCALES) + 1)
def translations(locale: str) -> NullTranslations:
    """Compiled catalog for a locale; an untranslated string falls back to the English source."""
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    return Translations.load(str(LOCALES_DIR), [locale], domain=GETTEXT_DOMAIN)


def template_environment(directory: Path, locale: str, **options: Any) -> Environment:
    """Jinja2 templates in `locale`: autoescaped HTML (residents' words are untrusted), `_()`
    and ngettext from our catalogs. Templates ship with the code, so they are never re-read."""
    env = Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        **options,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


def gettext(locale: str, message: str) -> str:
    return translations(locale).gettext(message)


def ngettext(locale: str, singular: str, plural: str, count: int) -> str:
    return translations(locale).ngettext(singular, plural, count)


@functools.cache
def language_name(locale: str) -> str:
    """A language's name in that language (what a resident looks for in a list)."""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


def format_local_datetime(moment: dt.datetime, locale: str, timezone: ZoneInfo) -> str:
    return babel_format_datetime(moment.astimezone(timezone), format="medium", locale=locale)
