"""Who is acting, and what they may do. Every service call names its actor.

Visibility of tickets is decided here once and applied by the ticket repository to every query,
so no endpoint can forget it. Something a person may not see is reported as not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.errors import Forbidden
from core.staff.models import Role


@dataclass(frozen=True)
class StaffActor:
    staff_id: int
    role: Role
    partner_id: int | None

    @property
    def sees_all_partners(self) -> bool:
        return self.role.sees_all_partners


@dataclass(frozen=True)
class ResidentActor:
    resident_id: int


@dataclass(frozen=True)
class SystemActor:
    """Jobs, the CLI and integrations acting for the city itself."""

    name: str = "system"


Actor = StaffActor | ResidentActor | SystemActor


class Capability(StrEnum):
    VIEW_TICKETS = "view_tickets"
    WORK_TICKETS = "work_tickets"  # assign, change status, reply, note, mark duplicate
    REROUTE_TICKETS = "reroute_tickets"
    VIEW_REPORTS = "view_reports"
    TRIAGE = "triage"  # the coordination unit's queue, across partners
    REVIEW_LEARNED_EXAMPLES = "review_learned_examples"
    MANAGE_STAFF = "manage_staff"
    MANAGE_PARTNERS = "manage_partners"
    MANAGE_CANNED_REPLIES = "manage_canned_replies"


_C = Capability
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.CASEWORKER: frozenset({_C.VIEW_TICKETS, _C.WORK_TICKETS, _C.REROUTE_TICKETS}),
    Role.MANAGER: frozenset({_C.VIEW_TICKETS, _C.VIEW_REPORTS}),
    Role.COORDINATOR: frozenset(
        {
            _C.VIEW_TICKETS,
            _C.WORK_TICKETS,
            _C.REROUTE_TICKETS,
            _C.VIEW_REPORTS,
            _C.TRIAGE,
            _C.REVIEW_LEARNED_EXAMPLES,
        }
    ),
    Role.ADMIN: frozenset(Capability),
}


def can(actor: Actor, capability: Capability) -> bool:
    if isinstance(actor, SystemActor):
        return True
    if isinstance(actor, ResidentActor):
        return False
    return capability in ROLE_CAPABILITIES[actor.role]


def require(actor: Actor, capability: Capability) -> None:
    if not can(actor, capability):
        raise Forbidden(f"not allowed: {capability}", capability=capability.value)
