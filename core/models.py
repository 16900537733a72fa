"""Imports every domain's models so that `Base.metadata` knows the whole schema."""

from core.db import Base
from core.notifications.models import Outbox
from core.partners.models import Partner, PartnerDistrict, PartnerIntent
from core.residents.models import Resident
from core.staff.models import Staff
from core.tickets.models import Message, Rating, Ticket, TicketEvent, TicketFollower

__all__ = [
    "Base",
    "Message",
    "Outbox",
    "Partner",
    "PartnerDistrict",
    "PartnerIntent",
    "Rating",
    "Resident",
    "Staff",
    "Ticket",
    "TicketEvent",
    "TicketFollower",
]
