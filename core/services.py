"""The composition root of the domain: every service, built once per process from settings."""

from __future__ import annotations

from dataclasses import dataclass

from core.config import Settings
from core.desk import DeskContext
from core.intents.catalog import Catalog
from core.partners.service import PartnerService
from core.residents.service import ResidentService
from core.staff.service import StaffService
from core.tickets.conversation import ConversationService
from core.tickets.service import TicketService


@dataclass(frozen=True)
class Services:
    settings: Settings
    context: DeskContext
    tickets: TicketService
    conversation: ConversationService
    residents: ResidentService
    staff: StaffService
    partners: PartnerService

    @classmethod
    def build(cls, settings: Settings, catalog: Catalog | None = None) -> Services:
        context = DeskContext.from_settings(settings, catalog)
        tickets = TicketService(context)
        return cls(
            settings=settings,
            context=context,
            tickets=tickets,
            conversation=ConversationService(tickets),
            residents=ResidentService(settings.default_locale),
            staff=StaffService(),
            partners=PartnerService(context),
        )
