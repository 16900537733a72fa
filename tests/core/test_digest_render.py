"""The digest rendered from the fixture week's real figures: every language, the mail's MIME
structure as a mail client reads it, escaping, links, and charts that never fail."""

from __future__ import annotations

import email
import email.policy
import re
from typing import Any

import pytest
from babel.numbers import format_percent
from sqlalchemy.ext.asyncio import AsyncSession

from core.digest.charts import CHART_NAMES, render_charts
from core.digest.compute import compute_scope
from core.digest.render import RenderedDigest, digest_mail, render_digest
from core.digest.weeks import Week
from core.i18n import SUPPORTED_LOCALES
from core.intents.catalog import Catalog
from core.services import Services
from core.tickets.models import RatingAnswer
from tests.core.test_digest_figures import BERLIN, WEEK, fixture_week, rate

PUBLIC_URL = "https://desk.example.org"
PNG = b"\x89PNG\r\n\x1a\n"
SCRIPT = "<script>alert(1)</script> and the lamp is still dark"


async def city_week(
    session: AsyncSession, services: Services
) -> tuple[dict[str, Any], dict[str, Any]]:
    made = await fixture_week(session, services)
    await rate(session, made["d"], "2026-10-24 08:00", RatingAnswer.PARTLY, None, SCRIPT)
    await session.flush()
    names = {str(made["roads"].id): "Roads", str(made["parks"].id): "Parks"}
    return await compute_scope(session, WEEK, BERLIN, None, names), made


def render(figures: dict[str, Any], locale: str, **options: Any) -> RenderedDigest:
    options.setdefault("city_name", "Springfield")
    return render_digest(figures, locale, public_url=PUBLIC_URL, timezone=BERLIN, **options)


async def test_every_locale_renders_the_fixture_week(
    session: AsyncSession, services: Services, catalog: Catalog
) -> None:
    figures, made = await city_week(session, services)
    charts = render_charts(figures)
    for locale in SUPPORTED_LOCALES:
        rendered = render(figures, locale, catalog=catalog, charts=charts)
        direction = "rtl" if locale == "ar" else "ltr"
        assert f'<html lang="{locale}" dir="{direction}">' in rendered.html, locale
        assert rendered.html.lstrip().startswith("<!DOCTYPE html>")
        assert set(rendered.images) == set(CHART_NAMES)
        for name, data in rendered.images.items():
            assert data.startswith(PNG)
            assert f'src="cid:{name}"' in rendered.html
        assert "<script>" not in rendered.html, locale
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
        for ticket in (made["h"], made["f"], made["d"]):  # the overdue, oldest first
            assert f'href="{PUBLIC_URL}/tickets/{ticket.id}"' in rendered.html
        assert f"{PUBLIC_URL}/tickets/{made['h'].id}" in rendered.text
        assert catalog.intents["pothole"].name(locale) in rendered.html
        assert 0 < len(rendered.summary) <= 1000
        assert f"{PUBLIC_URL}/digests/2026-W43" in rendered.summary
        assert "Springfield" in rendered.subject and "\n" not in rendered.subject


async def test_figures_appear_formatted_in_the_managers_language(
    session: AsyncSession, services: Services, catalog: Catalog
) -> None:
    figures, _ = await city_week(session, services)
    charts = render_charts(figures)
    english = render(figures, "en", catalog=catalog, charts=charts)
    german = render(figures, "de", catalog=catalog, charts=charts)
    # New 4 (2 the week before), resolved 3, closed 1, reopened 1; resolution median 20 h,
    # first responses 2 of 4 within target; backlog 4, of them 3 overdue.
    for label, value in [("New", "4"), ("Resolved", "3"), ("Closed", "1"), ("Reopened", "1")]:
        assert re.search(
            rf"<td>{label}</td><td class=\"num\"><strong>{value}</strong>", english.html
        )
    assert "▲ +2" in english.html  # new tickets against the previous week
    assert "20.0 hr" in english.html and "20,0 Std." in german.html
    assert "50%" in english.html and format_percent(0.5, locale="de") in german.html
    assert "2 of 4" in english.html
    assert "3 tickets were overdue at the end of the week." in english.text
    assert "Oct 19 – 25, 2026" in english.subject
    assert "19.–25. Okt. 2026" in german.subject
    assert "Roads" in english.html and "Parks" in english.html
    assert "Schlagloch" in german.html  # the intent's name from the catalog, in German
    assert "Ukrainian" in english.html and "Ukrainisch" in german.html
    assert "Unknown district" in english.html  # the ticket without a district
    assert "New: 4 (▲ +2), resolved: 3" in english.summary
    assert "Satisfaction: average 3.5" in english.summary
    assert english.summary.count("\n") <= 7


async def test_equity_flags_are_written_as_sentences(
    session: AsyncSession, services: Services
) -> None:
    figures, _ = await city_week(session, services)
    figures["flags"] = [
        {
            "dimension": "language",
            "key": "ar",
            "metric": "resolution_p50",
            "value": 46 * 3600.0,
            "overall": 20 * 3600.0,
        },
        {"dimension": "district", "key": "", "metric": "average", "value": 2.0, "overall": 3.5},
    ]
    rendered = render(figures, "en")
    assert (
        "Residents writing in Arabic waited 2.3 times as long as everyone for a resolution "
        "(median 46.0 hr against 20.0 hr)."
    ) in rendered.html
    assert "Residents whose district is unknown gave an average score of 2.0" in rendered.text
    assert "2 groups of residents served markedly worse than everyone" in rendered.summary
    figures["flags"] = []
    calm = render(figures, "en")
    assert "No group of residents was served markedly worse than everyone" in calm.html


async def test_a_partner_digest_breaks_down_by_service(
    session: AsyncSession, services: Services, catalog: Catalog
) -> None:
    made = await fixture_week(session, services)
    figures = await compute_scope(session, WEEK, BERLIN, made["parks"].id, {"x": "y"})
    figures["partner_name"] = "Parks & Gardens"
    rendered = render(figures, "fr", catalog=catalog)
    assert "Parks &amp; Gardens" in rendered.html and "Parks & Gardens" in rendered.subject
    assert catalog.intents["streetlight"].name("fr") in rendered.html
    assert set(rendered.images) == set(CHART_NAMES)


async def test_digest_mail_parses_back_with_inline_images(
    session: AsyncSession, services: Services
) -> None:
    figures, _ = await city_week(session, services)
    rendered = render(figures, "uk")
    mail = digest_mail(rendered, "Civic desk <desk@example.org>", "manager@example.org")
    parsed = email.message_from_bytes(mail.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Subject"] == rendered.subject and parsed["To"] == "manager@example.org"
    plain, related = list(parsed.iter_parts())
    assert plain.get_content_type() == "text/plain"
    assert plain.get_content().strip() == rendered.text.strip()
    assert related.get_content_type() == "multipart/related"
    html, *images = list(related.iter_parts())
    assert html.get_content_type() == "text/html"
    body = html.get_content()
    assert 'lang="uk"' in body
    referenced = set(re.findall(r'src="cid:([^"]+)"', body))
    ids = {}
    for image in images:
        assert image.get_content_type() == "image/png"
        assert image.get_content_disposition() == "inline"
        ids[image["Content-ID"].strip("<>")] = image.get_content()
    assert referenced == set(ids) == set(CHART_NAMES)
    assert all(data == rendered.images[name] for name, data in ids.items())
    assert parsed.get_body(("plain",)) is not None and parsed.get_body(("html",)) is not None


async def test_an_empty_week_renders(session: AsyncSession) -> None:
    figures = await compute_scope(session, Week(2001, 10), BERLIN, None, {})
    assert figures["totals"]["new"] == 0 and not figures["groups"]["language"]
    for locale in ("en", "ar", "zh"):
        rendered = render(figures, locale)
        assert all(data.startswith(PNG) for data in rendered.images.values())
        assert "–" in rendered.html and len(rendered.summary) <= 1000
    english = render(figures, "en")
    assert "Nothing was overdue at the end of the week." in english.html
    assert "Satisfaction: no ratings this week" in english.summary


def test_the_summary_fits_a_caption_whatever_the_name() -> None:
    figures = {"week": "2026-W43", "partner_id": 7, "partner_name": "Ж" * 3000}
    for locale in SUPPORTED_LOCALES:
        rendered = render(figures, locale)
        assert len(rendered.summary) <= 1000
        assert rendered.summary.rstrip().endswith(f"{PUBLIC_URL}/digests/2026-W43")


def test_charts_never_fail_on_odd_data() -> None:
    hours = 3600.0

    def row(key: str, label: str | None, p50: float | None, share: float | None) -> dict[str, Any]:
        times = {"count": 3, "p50": p50, "p90": p50, "with_target": 3, "share": share}
        return {"key": key, "label": label, "resolution": times}

    odd = {
        "days": ["2026-10-19"] * 7,
        "per_day": [{"new": 0, "resolved": 0}] * 7,
        "overall": {"resolution": {"p50": None, "share": None}},
        "groups": {
            "language": [row("ar", None, 3 * hours, None), row("", None, None, None)],
            "partner": [
                row("1", "Costs $5 $x^2$ & more, a very long name indeed", 0.0, 0.0),
                row("2", "حدائق المدينة", hours, 1.0),
                row("3", "城市公园", None, 0.5),
                row("4", None, None, None),
            ],
        },
        "flags": [{"dimension": "language", "key": "ar", "metric": "resolution_p50"}],
    }
    for figures in ({}, odd, {"groups": {"intent": []}}):
        charts = render_charts(figures)
        assert set(charts) == set(CHART_NAMES)
        assert all(data.startswith(PNG) and len(data) > 500 for data in charts.values())


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_rendering_without_precomputed_charts_draws_them(locale: str) -> None:
    rendered = render({"week": "2026-W43", "partner_id": None}, locale, city_name="<b>City</b>")
    assert set(rendered.images) == set(CHART_NAMES)
    assert "&lt;b&gt;City&lt;/b&gt;" in rendered.html and "<b>City</b>" not in rendered.html
