"""Whether PostgreSQL and Redis are reachable, and what to do when they are not.

On a laptop without them the tests that need them skip with a reason; in CI
(`CIVICDESK_REQUIRE_SERVICES=1`) they fail loudly instead, so a missing service never turns into
a green run.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "CIVICDESK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("CIVICDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def services_required() -> bool:
    return os.environ.get("CIVICDESK_REQUIRE_SERVICES", "") not in ("", "0", "false")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2
        ):
            return True
    except OSError:
        return False


def need(service: str) -> None:
    """Skip (or, when services are required, fail) unless `service` is reachable."""
    url, port = (POSTGRES_ADMIN_URL, 5432) if service == "postgresql" else (REDIS_URL, 6379)
    if _reachable(url, port):
        return
    message = f"{service} is not reachable at {url}"
    if services_required():
        pytest.fail(f"{message}, and CIVICDESK_REQUIRE_SERVICES=1 requires it", pytrace=False)
    pytest.skip(f"{message} (set CIVICDESK_TEST_POSTGRES_URL / CIVICDESK_TEST_REDIS_URL)")
