import itertools

import pytest

from core.errors import InvalidTransition
from core.tickets.status import OPEN_STATUSES, TRANSITIONS, TicketStatus, check_transition

S = TicketStatus
ALLOWED = [(source, target) for source, targets in TRANSITIONS.items() for target in targets]
ILLEGAL_SAMPLE = [
    (S.NEW, S.CLOSED),
    (S.NEW, S.REOPENED),
    (S.ACKNOWLEDGED, S.NEW),
    (S.IN_PROGRESS, S.ACKNOWLEDGED),
    (S.WAITING_ON_RESIDENT, S.CLOSED),
    (S.RESOLVED, S.IN_PROGRESS),
    (S.RESOLVED, S.REJECTED),
    (S.CLOSED, S.RESOLVED),
    (S.CLOSED, S.IN_PROGRESS),
    (S.REJECTED, S.REOPENED),
    (S.DUPLICATE, S.NEW),
    (S.DUPLICATE, S.IN_PROGRESS),
    (S.REOPENED, S.CLOSED),
]


def test_every_status_has_a_row_in_the_table() -> None:
    assert set(TRANSITIONS) == set(TicketStatus)


@pytest.mark.parametrize(("source", "target"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_allowed_transition_passes(source: TicketStatus, target: TicketStatus) -> None:
    check_transition(source, target)


@pytest.mark.parametrize(
    ("source", "target"), ILLEGAL_SAMPLE, ids=[f"{a}->{b}" for a, b in ILLEGAL_SAMPLE]
)
def test_illegal_transition_raises_with_the_allowed_ones(
    source: TicketStatus, target: TicketStatus
) -> None:
    with pytest.raises(InvalidTransition) as caught:
        check_transition(source, target)
    assert caught.value.details["allowed"] == sorted(s.value for s in TRANSITIONS[source])


def test_the_documented_lifecycle_is_a_path_through_the_table() -> None:
    path = [
        S.NEW,
        S.ACKNOWLEDGED,
        S.IN_PROGRESS,
        S.WAITING_ON_RESIDENT,
        S.IN_PROGRESS,
        S.RESOLVED,
        S.CLOSED,
        S.REOPENED,
    ]
    for source, target in itertools.pairwise(path):
        check_transition(source, target)


def test_rejected_and_duplicate_are_final() -> None:
    assert TRANSITIONS[S.REJECTED] == frozenset()
    assert TRANSITIONS[S.DUPLICATE] == frozenset()
    assert not (OPEN_STATUSES & {S.REJECTED, S.DUPLICATE, S.RESOLVED, S.CLOSED})
