"""The Open311 use cases: the public catalogue, public requests, and filing a request.

Filing goes through `TicketService.open` like a message to the bot, so routing, targets, the
audit trail and the partner's inbox are the same whichever door a request came through. What
is read goes through core.publicdata.privacy, the one rule for every public door.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import SystemActor
from core.db import utcnow
from core.errors import Forbidden, NotFound, ValidationFailed
from core.intents.catalog import Intent, QuestionMode
from core.open311 import view
from core.open311.keys import key_for_secret
from core.open311.models import Open311Key
from core.open311.params import Params, RequestFilter, Submission, value
from core.open311.repository import PublicTicketRepository, TicketQuery
from core.publicdata.privacy import public_intent_codes
from core.tickets.models import Channel
from core.tickets.reference import normalise_reference
from core.tickets.schemas import Attachment, AttachmentKind, TicketCreate
from core.tickets.service import TicketService
from core.tickets.status import OPEN_STATUSES, TicketStatus

CLOSED_STATUSES = frozenset(TicketStatus) - OPEN_STATUSES


class Open311Service:
    def __init__(self, tickets: TicketService) -> None:
        self.tickets = tickets
        self.context = tickets.context

    def _public_intents(self) -> list[Intent]:
        codes = public_intent_codes(self.context.catalog)
        return sorted(
            (intent for intent in self.context.catalog if intent.code in codes),
            key=lambda intent: intent.code,
        )

    def _public_intent(self, code: str | None) -> Intent | None:
        """The service, if the public may see it: a sensitive one is as if it did not exist."""
        intent = self.context.catalog.get(code) if code else None
        if intent is None or intent.code not in public_intent_codes(self.context.catalog):
            return None
        return intent

    # -- reads ---------------------------------------------------------------------------

    def discovery(self, base_url: str, contact: str) -> view.Document:
        changeset = max(
            (
                dt.datetime.fromtimestamp(intent.source.stat().st_mtime, dt.UTC)
                for intent in self.context.catalog
                if intent.source is not None and intent.source.exists()
            ),
            default=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
        return view.discovery(base_url, changeset, contact)

    def services(self, locale: str) -> list[view.Document]:
        catalog = self.context.catalog
        return [view.service(catalog, intent, locale) for intent in self._public_intents()]

    def service_definition(self, code: str, locale: str) -> view.Document:
        intent = self._public_intent(code)
        if intent is None:
            raise NotFound("service_code not found", service_code=code)
        return view.service_definition(intent, locale)

    async def requests(
        self, session: AsyncSession, params: Params, locale: str
    ) -> list[view.Document]:
        wanted = RequestFilter.parse(params, utcnow())
        statuses: list[TicketStatus] | None = None
        if wanted.statuses is not None:
            statuses = sorted(
                (OPEN_STATUSES if "open" in wanted.statuses else frozenset())
                | (CLOSED_STATUSES if "closed" in wanted.statuses else frozenset())
            )
        query = TicketQuery(
            references=wanted.references,
            intent_codes=wanted.service_codes,
            statuses=statuses,
            start=wanted.start,
            end=wanted.end,
            offset=(wanted.page - 1) * wanted.page_size,
            limit=wanted.page_size,
        )
        return await self._documents(session, query, locale)

    async def request(
        self, session: AsyncSession, service_request_id: str, locale: str
    ) -> list[view.Document]:
        reference = normalise_reference(service_request_id)
        found = (
            await self._documents(session, TicketQuery(references=[reference], limit=1), locale)
            if reference
            else []
        )
        if not found:  # also a sensitive service's or a private ticket: not ours to show
            raise NotFound("service_request_id not found", service_request_id=service_request_id)
        return found

    async def _documents(
        self, session: AsyncSession, query: TicketQuery, locale: str
    ) -> list[view.Document]:
        rows = await PublicTicketRepository(session, self.context.catalog).find(query)
        catalog, districts = self.context.catalog, self.context.districts
        return [view.service_request(row, catalog, districts, locale) for row in rows]

    # -- filing --------------------------------------------------------------------------

    async def create(
        self, session: AsyncSession, params: Params, locale: str
    ) -> list[view.Document]:
        """File a request for the client whose `api_key` is in `params` (Forbidden without a
        valid one). A request refused half-way leaves nothing behind (a savepoint)."""
        key = await key_for_secret(session, value(params, "api_key"))
        if key is None:
            raise Forbidden("api_key was not provided or is not valid")
        async with session.begin_nested():
            return await self._create(session, key, params, locale)

    async def _create(
        self, session: AsyncSession, key: Open311Key, params: Params, locale: str
    ) -> list[view.Document]:
        submission = Submission.parse(params)
        if submission.service_code is None:
            raise ValidationFailed("service_code not provided", field="service_code")
        intent = self._public_intent(submission.service_code)
        if intent is None:
            # Sensitive services are refused like unknown ones: one rule for every public
            # door, and a client cannot tell that the service exists.
            raise ValidationFailed("service_code not found", field="service_code")
        if intent.questions.location is not QuestionMode.NONE and not submission.has_location:
            raise ValidationFailed("lat and long, or address_string, are required", field="lat")
        attachments = []
        if submission.media_url:
            try:
                attachments = [Attachment(kind=AttachmentKind.PHOTO, url=submission.media_url)]
            except ValueError as exc:
                raise ValidationFailed(
                    "media_url must be an http(s) URL", field="media_url"
                ) from exc
        try:
            data = TicketCreate(
                intent_code=intent.code,
                channel=Channel.OPEN311,
                language=locale,
                description=submission.description,
                answers=submission.attributes,
                latitude=submission.latitude,
                longitude=submission.longitude,
                address=submission.address,
                attachments=attachments,
            )
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise ValidationFailed(_first_problem(exc)) from exc
        ticket = await self.tickets.open(session, SystemActor(f"open311:{key.id}"), data)
        return [view.created(ticket.reference)]


def _first_problem(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        problems = errors()
        if problems:
            where = ".".join(str(part) for part in problems[0].get("loc", ()))
            return f"{where}: {problems[0].get('msg', 'invalid')}"
    return str(exc)
