"""The metrics port: what the desk counts, with no metrics library behind it.

`core` says *what* happened (a ticket was created through a channel, an update was delivered
with some lag, the matcher decided something); an adapter decides how it is recorded. By default
nothing is recorded; the web app and the worker install the Prometheus implementation
(`api/metrics.py`) at start-up with `install()`.

Label values are always members of small fixed sets (channels, outcomes, decisions): never a
text, a name, an id or anything else about a person.

Counts that describe committed work are taken after the commit: `after_commit(session, ...)`
runs its callback only once the session's transaction has committed, and drops it on rollback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_PENDING_KEY = "civicdesk.metrics.after_commit"


class Metrics(Protocol):
    def ticket_created(self, channel: str) -> None: ...

    def update_delivered(self, outcome: str) -> None: ...

    def delivery_lag(self, seconds: float) -> None: ...

    def matcher_decision(self, outcome: str) -> None: ...


class NoMetrics:
    """Records nothing: the default, and what tests and one-off commands use."""

    def ticket_created(self, channel: str) -> None:
        return None

    def update_delivered(self, outcome: str) -> None:
        return None

    def delivery_lag(self, seconds: float) -> None:
        return None

    def matcher_decision(self, outcome: str) -> None:
        return None


_current: Metrics = NoMetrics()


def install(metrics: Metrics) -> None:
    """Use `metrics` for everything this process counts from now on."""
    global _current
    _current = metrics


def metrics() -> Metrics:
    return _current


def after_commit(session: AsyncSession, count: Callable[[Metrics], None]) -> None:
    """Count something once the session's current transaction has committed."""
    session.sync_session.info.setdefault(_PENDING_KEY, []).append(count)


@event.listens_for(Session, "after_commit")
def _run_pending(session: Session) -> None:
    for count in session.info.pop(_PENDING_KEY, []):
        count(_current)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
