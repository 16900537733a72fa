"""Prometheus metrics: the implementation of core's metrics port, HTTP latency, and /metrics.

Every process that counts something (each `civicdesk api` worker process, `civicdesk worker`,
`civicdesk bot`) installs `PrometheusMetrics` once. With `PROMETHEUS_MULTIPROC_DIR` set,
prometheus_client's multiprocess mode keeps each process's values in files in that folder and
`/metrics` adds up every process that wrote there (the web app's workers, and the worker too
when it shares the folder); without it, each process has its own default registry and `/metrics`
shows the process that answered.

Labels are bounded and impersonal: channels, outcomes, decisions, HTTP methods, status classes
and route *templates* (`/api/v1/tickets/{ticket_id}`, never the raw path).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import socket
import time
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import bearer_token
from core import metrics as port

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "<unmatched>"
_HOST = socket.gethostname()

router = APIRouter(tags=["health"])


def _process_identifier() -> str:
    # Containers sharing one metrics folder all have small pids (often 1): the host name
    # (the container's id) keeps their files apart.
    return f"{_HOST}-{os.getpid()}"


class PrometheusMetrics:
    """core's `Metrics` port recorded in prometheus_client, plus the HTTP latency histogram."""

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.tickets = Counter(
            "civicdesk_tickets_created",
            "Tickets created (committed), by channel",
            ["channel"],
            registry=registry,
        )
        self.deliveries = Counter(
            "civicdesk_updates_delivered",
            "Resident updates handled by the worker, by outcome (sent, rescheduled, failed)",
            ["outcome"],
            registry=registry,
        )
        self.lag = Histogram(
            "civicdesk_delivery_lag_seconds",
            "Time from an update's commit to its sending to Telegram",
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self.decisions = Counter(
            "civicdesk_matcher_decisions",
            "Intent matcher decisions on residents' messages "
            "(confident, ambiguous, unknown, emergency)",
            ["outcome"],
            registry=registry,
        )
        self.http = Histogram(
            "civicdesk_http_request_duration_seconds",
            "HTTP request latency, by route template, method and status class",
            ["route", "method", "status"],
            buckets=HTTP_BUCKETS,
            registry=registry,
        )

    def ticket_created(self, channel: str) -> None:
        self.tickets.labels(channel=channel).inc()

    def update_delivered(self, outcome: str) -> None:
        self.deliveries.labels(outcome=outcome).inc()

    def delivery_lag(self, seconds: float) -> None:
        self.lag.observe(seconds)

    def matcher_decision(self, outcome: str) -> None:
        self.decisions.labels(outcome=outcome).inc()

    def http_request(self, route: str, method: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "OTHER"
        self.http.labels(route=route, method=method, status=f"{status // 100}xx").observe(seconds)


_installed: PrometheusMetrics | None = None


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def install_prometheus() -> PrometheusMetrics:
    """Record this process's metrics with Prometheus (once per process; later calls reuse it)."""
    global _installed
    if _installed is None:
        if folder := multiprocess_dir():
            os.makedirs(folder, exist_ok=True)
            values.ValueClass = values.MultiProcessValue(_process_identifier)  # type: ignore[no-untyped-call]
        _installed = PrometheusMetrics()
        port.install(_installed)
    return _installed


def exposition() -> bytes:
    """The text format: every process of the multiprocess folder, or this process alone."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    """Prometheus scrapes this. Volumes and latencies are for operators, not the public: with
    CIVICDESK_METRICS_TOKEN set, the scraper sends it as a bearer token; without one, only a
    client on this machine is answered (a proxy that passes X-Forwarded-For makes a visitor
    show as the visitor, so the proxy does not open it up by accident)."""
    token = request.app.state.civicdesk.settings.metrics_token
    if token is not None:
        given = bearer_token(request).encode()
        if not hmac.compare_digest(given, token.get_secret_value().encode()):
            return PlainTextResponse(
                "metrics need Authorization: Bearer <CIVICDESK_METRICS_TOKEN>\n",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
    elif not _is_loopback(request.client.host if request.client else None):
        return PlainTextResponse(
            "metrics are served to this machine only; set CIVICDESK_METRICS_TOKEN to scrape "
            "them from elsewhere\n",
            status_code=403,
        )
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:  # a Unix socket's peer, or a name: not an address we can vouch for
        return False


def route_template(scope: Scope) -> str:
    """The matched route's path template; the raw path would let anyone create label values."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) and template else UNMATCHED_ROUTE


class HttpMetricsMiddleware:
    """Times each HTTP request and records it by route template, method and status class."""

    def __init__(
        self, app: ASGIApp, record: Callable[[str, str, int, float], None] | None = None
    ) -> None:
        self.app = app
        self.record = record or install_prometheus().http_request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before the response started

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            elapsed = time.perf_counter() - started
            self.record(route_template(scope), str(scope.get("method", "")), status, elapsed)
