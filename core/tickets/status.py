"""Ticket statuses and the one table that says which change is allowed."""

from __future__ import annotations

from enum import StrEnum

from core.errors import InvalidTransition


class TicketStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    WAITING_ON_RESIDENT = "waiting_on_resident"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES

    @property
    def is_terminal(self) -> bool:
        return self in (TicketStatus.REJECTED, TicketStatus.DUPLICATE)


S = TicketStatus

OPEN_STATUSES: frozenset[TicketStatus] = frozenset(
    {S.NEW, S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_ON_RESIDENT, S.REOPENED}
)
# While a ticket waits on the resident its due times stand still (see TicketService.end_wait).
CLOCK_RUNNING: frozenset[TicketStatus] = OPEN_STATUSES - {S.WAITING_ON_RESIDENT}

# The lifecycle is new -> acknowledged -> in_progress <-> waiting_on_resident -> resolved -> closed.
# Staff may skip forward (a quick fix goes straight from new to resolved), never backwards except
# by reopening; rejected and duplicate are final. Re-routing is its own action (back to new) and
# `close` of a resolved ticket is done by staff or by the system after the "was it fixed?" window.
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.NEW: frozenset(
        {S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_ON_RESIDENT, S.RESOLVED, S.REJECTED, S.DUPLICATE}
    ),
    S.ACKNOWLEDGED: frozenset(
        {S.IN_PROGRESS, S.WAITING_ON_RESIDENT, S.RESOLVED, S.REJECTED, S.DUPLICATE}
    ),
    S.IN_PROGRESS: frozenset({S.WAITING_ON_RESIDENT, S.RESOLVED, S.REJECTED, S.DUPLICATE}),
    S.WAITING_ON_RESIDENT: frozenset({S.IN_PROGRESS, S.RESOLVED, S.REJECTED, S.DUPLICATE}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset(
        {S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_ON_RESIDENT, S.RESOLVED, S.REJECTED, S.DUPLICATE}
    ),
    S.REJECTED: frozenset(),
    S.DUPLICATE: frozenset(),
}

# Statuses that need a reason the resident will read.
REASON_REQUIRED: frozenset[TicketStatus] = frozenset({S.REJECTED, S.DUPLICATE})

# A resident may withdraw a ticket that nobody has finished working on.
WITHDRAWABLE: frozenset[TicketStatus] = OPEN_STATUSES


def allowed_next(current: TicketStatus) -> frozenset[TicketStatus]:
    return TRANSITIONS[current]


def check_transition(current: TicketStatus, target: TicketStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(
            f"a ticket cannot go from {current} to {target}",
            current=current.value,
            target=target.value,
            allowed=sorted(status.value for status in TRANSITIONS[current]),
        )
