"""Imports every domain's models so that `Base.metadata` knows the whole schema."""

from core.channels.models import ProcessedUpdate
from core.db import Base
from core.digest.models import Digest
from core.intents.models import LearnedExample
from core.notifications.models import Outbox
from core.open311.models import Open311Key
from core.partners.models import Partner, PartnerDistrict, PartnerIntent
from core.replies.models import CannedReply
from core.residents.models import Resident
from core.staff.models import ApiToken, Staff
from core.tickets.models import Message, Rating, Ticket, TicketEvent, TicketFollower

__all__ = [
    "ApiToken",
    "Base",
    "CannedReply",
    "Digest",
    "LearnedExample",
    "Message",
    "Open311Key",
    "Outbox",
    "Partner",
    "PartnerDistrict",
    "PartnerIntent",
    "ProcessedUpdate",
    "Rating",
    "Resident",
    "Staff",
    "Ticket",
    "TicketEvent",
    "TicketFollower",
]
