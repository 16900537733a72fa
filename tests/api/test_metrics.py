"""Prometheus /metrics: the desk's counters, HTTP latency by route template, nothing personal;
and core's metrics port counting committed work only."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from api.metrics import UNMATCHED_ROUTE, install_prometheus
from core import metrics, migrate
from core.db import create_engine, create_session_factory
from core.services import Services
from core.staff.models import Role
from tests.api.conftest import TokenFor, asgi_client
from tests.databases import scratch_database
from tests.factories import create_city, create_resident, create_staff, open_ticket

NAMES = (
    "civicdesk_tickets_created",
    "civicdesk_updates_delivered",
    "civicdesk_delivery_lag_seconds",
    "civicdesk_matcher_decisions",
    "civicdesk_http_request_duration_seconds",
)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


@contextlib.asynccontextmanager
async def committing_session(tmp_path: Path) -> AsyncIterator[AsyncSession]:
    """A session of its own scratch database: these tests commit for real (the shared test
    session rolls back, and on SQLite a commit there would leak into later tests)."""
    async with scratch_database("sqlite", tmp_path) as url:
        engine = create_engine(url)
        await migrate.upgrade(engine)
        try:
            async with create_session_factory(engine)() as own:
                yield own
        finally:
            await engine.dispose()


async def test_metrics_count_tickets_and_requests_by_route_template(
    api: httpx.AsyncClient,
    session: AsyncSession,
    services: Services,
    token_for: TokenFor,
    tmp_path: Path,
) -> None:
    before = (await api.get("/metrics")).text
    async with committing_session(tmp_path) as own:
        await create_city(own, services)
        await open_ticket(own, services, await create_resident(own, services))
        await own.commit()
    await create_city(session, services)
    resident = await create_resident(session, services)
    ticket = await open_ticket(session, services, resident)
    staff = await create_staff(session, services, Role.COORDINATOR)
    headers = await token_for(staff)
    assert (await api.get(f"/api/v1/tickets/{ticket.id}", headers=headers)).status_code == 200
    assert (await api.get("/api/v1/tickets/999999", headers=headers)).status_code == 404
    assert (await api.get("/no/such/page")).status_code == 404

    response = await api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for name in NAMES:
        assert f"# HELP {name}" in text, name
    created = "civicdesk_tickets_created_total"
    before_count = value(before, created, channel="telegram")
    assert value(text, created, channel="telegram") == before_count + 1
    route = "/api/v1/tickets/{ticket_id}"
    count = "civicdesk_http_request_duration_seconds_count"
    assert value(text, count, route=route, method="GET", status="2xx") >= 1
    assert value(text, count, route=route, method="GET", status="4xx") >= 1
    assert value(text, count, route=UNMATCHED_ROUTE, method="GET", status="4xx") >= 1
    # Raw paths, ids and anything about the resident never become label values.
    label_values = {value for _, labels in samples(text) for _, value in labels}
    assert f"/api/v1/tickets/{ticket.id}" not in label_values
    assert not any("/no/such/page" in value or "999999" in value for value in label_values)
    assert resident.display_name not in text
    assert not re.search(r'route="/api/v1/tickets/\d', text)


async def test_the_port_counts_only_committed_tickets(services: Services, tmp_path: Path) -> None:
    recorded: list[str] = []

    class Recording(metrics.NoMetrics):
        def ticket_created(self, channel: str) -> None:
            recorded.append(channel)

    previous = metrics.metrics()
    metrics.install(Recording())
    try:
        async with committing_session(tmp_path) as session:
            await create_city(session, services)
            await session.commit()
            resident = await create_resident(session, services)
            await open_ticket(session, services, resident)
            await session.rollback()
            assert recorded == []
            resident = await create_resident(session, services)
            await open_ticket(session, services, resident)
            assert recorded == []  # not before the commit
            await session.commit()
            assert recorded == ["telegram"]
    finally:
        metrics.install(previous)


def test_the_prometheus_port_records_deliveries_and_decisions() -> None:
    prometheus = install_prometheus()
    assert metrics.metrics() is prometheus
    before_sent = prometheus.deliveries.labels(outcome="sent")._value.get()
    before_lag = prometheus.lag._sum.get()
    prometheus.update_delivered("sent")
    prometheus.delivery_lag(1.5)
    for outcome in ("confident", "ambiguous", "unknown", "emergency"):
        prometheus.matcher_decision(outcome)
    assert prometheus.deliveries.labels(outcome="sent")._value.get() == before_sent + 1
    assert prometheus.lag._sum.get() == before_lag + 1.5
    prometheus.http_request("/x", "BREW", 200, 0.01)  # unknown methods share one label value
    assert prometheus.http.labels(route="/x", method="OTHER", status="2xx")._sum.get() > 0


async def test_without_a_token_metrics_answer_only_this_machine(
    session: AsyncSession, services: Services, tmp_path: Path
) -> None:
    settings = services.settings.model_copy(update={"data_dir": tmp_path})
    async with asgi_client(session, services, settings, client=("::1", 5000)) as local:
        assert (await local.get("/metrics")).status_code == 200
    async with asgi_client(session, services, settings, client=("203.0.113.9", 5000)) as far:
        refused = await far.get("/metrics")
        assert refused.status_code == 403
        assert "CIVICDESK_METRICS_TOKEN" in refused.text
        assert "civicdesk_" not in refused.text


async def test_with_a_token_metrics_need_it_from_anywhere(
    session: AsyncSession, services: Services, tmp_path: Path
) -> None:
    settings = services.settings.model_copy(
        update={"data_dir": tmp_path, "metrics_token": SecretStr("scrape-secret-123")}
    )
    async with asgi_client(session, services, settings, client=("203.0.113.9", 5000)) as far:
        assert (await far.get("/metrics")).status_code == 401
        wrong = await far.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        scraped = await far.get("/metrics", headers={"Authorization": "Bearer scrape-secret-123"})
        assert scraped.status_code == 200
        assert "civicdesk_http_request_duration_seconds" in scraped.text
    async with asgi_client(session, services, settings) as local:  # the token counts here too
        assert (await local.get("/metrics")).status_code == 401
