"""One ticket: everything known, the timeline, and the actions (each one core service call)."""

from __future__ import annotations

import io
import mimetypes
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import DeskServices, Session
from api.state import state_of
from api.web.deps import SignedIn, Staffer, require_csrf
from api.web.templating import render
from core.errors import DomainError, NotFound
from core.intents.catalog import IntentKind
from core.partners.repository import PartnerRepository
from core.replies import service as replies
from core.tickets.details import mark_read, ticket_details
from core.tickets.repository import TicketRepository
from core.tickets.status import TicketStatus

router = APIRouter(include_in_schema=False)
TicketId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Text = Annotated[str, Form(max_length=4000)]
Token = Annotated[str, Form()]


async def _page(
    request: Request,
    staffer: Staffer,
    db: Session,
    services: DeskServices,
    ticket_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    details = await ticket_details(db, staffer.actor, ticket_id)
    context = {
        "staffer": staffer,
        "csrf": staffer.web.csrf,
        "d": details,
        "error": error,
        "done": request.query_params.get("done"),
        "replies": await replies.list_replies(db, staffer.actor) if details.can_work else [],
        "partners": await PartnerRepository(db).all(active_only=True)
        if details.can_reroute
        else [],
        "intents": [i for i in services.context.catalog if i.kind is not IntentKind.INFORMATION],
        "language_differs": details.ticket.language != staffer.locale,
        "district": services.context.districts.get(details.ticket.district or ""),
    }
    return render(request, "ticket.html", context, locale=staffer.locale, status_code=status_code)


@router.get("/tickets/{ticket_id}")
async def ticket_page(
    request: Request, ticket_id: TicketId, staffer: SignedIn, db: Session, services: DeskServices
) -> Response:
    response = await _page(request, staffer, db, services, ticket_id)
    await mark_read(db, staffer.actor, ticket_id)
    return response


async def _act(
    request: Request,
    staffer: Staffer,
    db: Session,
    services: DeskServices,
    ticket_id: int,
    token: str,
    action: str,
    work,
) -> Response:  # type: ignore[no-untyped-def]
    require_csrf(staffer.web, token)
    try:
        await work()
    except NotFound:
        raise
    except DomainError as exc:
        await db.rollback()
        status = 409 if exc.code == "invalid_transition" else 422
        if exc.code == "forbidden":
            status = 403
        return await _page(
            request, staffer, db, services, ticket_id, error=exc.message, status_code=status
        )
    if action == "reroute":  # it may have left this partner's inbox: back to the list
        return RedirectResponse("/inbox", status_code=303)
    return RedirectResponse(f"/tickets/{ticket_id}?done={action}#main", status_code=303)


@router.post("/tickets/{ticket_id}/assign")
async def assign(
    request: Request,
    ticket_id: TicketId,
    staffer: SignedIn,
    db: Session,
    services: DeskServices,
    csrf_token: Token = "",
    assignee: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    target = (
        staffer.staff.id if assignee == "me" else (int(assignee) if assignee.isdigit() else None)
    )
    return await _act(
        request,
        staffer,
        db,
        services,
        ticket_id,
        csrf_token,
        "assign",
        lambda: services.tickets.assign(db, staffer.actor, ticket_id, target),
    )


@router.post("/tickets/{ticket_id}/status")
async def change_status(
    request: Request,
    ticket_id: TicketId,
    staffer: SignedIn,
    db: Session,
    services: DeskServices,
    status: Annotated[TicketStatus, Form()],
    csrf_token: Token = "",
    reason: Text = "",
) -> Response:
    return await _act(
        request,
        staffer,
        db,
        services,
        ticket_id,
        csrf_token,
        "status",
        lambda: services.tickets.change_status(
            db, staffer.actor, ticket_id, status, reason=reason or None
        ),
    )


@router.post("/tickets/{ticket_id}/reply")
async def reply(
    request: Request,
    ticket_id: TicketId,
    staffer: SignedIn,
    db: Session,
    services: DeskServices,
    csrf_token: Token = "",
    text: Text = "",
    canned: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    async def work() -> None:
        message = text
        if canned.isdigit():
            ticket = await TicketRepository(db, staffer.actor).get(ticket_id)
            if ticket is None:
                raise NotFound("ticket not found")
            chosen = await replies.get_reply(db, staffer.actor, int(canned))
            message = replies.text_for(chosen, ticket.language)  # in the resident's language
        await services.conversation.reply(db, staffer.actor, ticket_id, message)

    return await _act(request, staffer, db, services, ticket_id, csrf_token, "reply", work)


@router.post("/tickets/{ticket_id}/ask")
async def ask(
    request: Request,
    ticket_id: TicketId,
    staffer: SignedIn,
    db: Session,
    services: DeskServices,
    csrf_token: Token = "",
    question: Text = "",
) -> Response:
    return await _act(
        request,
        staffer,
        db,
        services,
        ticket_id,
        csrf_token,
        "ask",
        lambda: services.conversation.request_info(db, staffer.actor, ticket_id, question),
    )


@router.post("/tickets/{ticket_id}/note")
async def note(
    request: Request,
    ticket_id: TicketId,
    staffer: SignedIn,
    db: Session,
    services: DeskServices,
    csrf_token: Token = "",
    text: Text = "",
) -> Response:
    return await _act(
        request,
        staffer,
        db,
        services,
        ticket_id,
        csrf_token,
        "note",
        lambda: services.conversation.add_note(db, staffer.actor, ticket_id, text),
    )


@router.post("/tickets/{ticket_id}/reroute")
async def reroute(
    request: Request,
    ticket_id: TicketId,
    staffer: SignedIn,
    db: Session,
    services: DeskServices,
    csrf_token: Token = "",
    reason: Text = "",
    partner: Annotated[str, Form(max_length=40)] = "",
    intent: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    return await _act(
        request,
        staffer,
        db,
        services,
        ticket_id,
        csrf_token,
        "reroute",
        lambda: services.tickets.reroute(
            db,
            staffer.actor,
            ticket_id,
            reason=reason,
            partner_code=partner or None,
            intent_code=intent or None,
        ),
    )


@router.post("/tickets/{ticket_id}/duplicate")
async def duplicate(
    request: Request,
    ticket_id: TicketId,
    staffer: SignedIn,
    db: Session,
    services: DeskServices,
    csrf_token: Token = "",
    reason: Text = "",
    original: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    return await _act(
        request,
        staffer,
        db,
        services,
        ticket_id,
        csrf_token,
        "duplicate",
        lambda: services.tickets.mark_duplicate(
            db, staffer.actor, ticket_id, original.strip().upper(), reason=reason or None
        ),
    )


@router.post("/tickets/{ticket_id}/reject")
async def reject(
    request: Request,
    ticket_id: TicketId,
    staffer: SignedIn,
    db: Session,
    services: DeskServices,
    csrf_token: Token = "",
    reason: Text = "",
) -> Response:
    return await _act(
        request,
        staffer,
        db,
        services,
        ticket_id,
        csrf_token,
        "reject",
        lambda: services.tickets.change_status(
            db, staffer.actor, ticket_id, TicketStatus.REJECTED, reason=reason
        ),
    )


@router.get("/tickets/{ticket_id}/attachments/{index}")
async def attachment(
    request: Request,
    ticket_id: TicketId,
    index: Annotated[int, Path(ge=0, le=100)],
    staffer: SignedIn,
    db: Session,
) -> Response:
    """A photo or voice note, fetched from Telegram by the server: the bot token never leaves it."""
    ticket = await TicketRepository(db, staffer.actor).get(ticket_id)
    if ticket is None or index >= len(ticket.attachments):
        raise NotFound("attachment not found")
    item = ticket.attachments[index]
    if item.get("url"):
        return RedirectResponse(str(item["url"]), status_code=302)
    gateway = state_of(request).telegram
    if gateway is None or not item.get("telegram_file_id"):
        raise HTTPException(503, "attachments are served through the Telegram bot, which is off")
    file = await gateway.bot.get_file(str(item["telegram_file_id"]))
    content = io.BytesIO()
    await gateway.bot.download_file(file.file_path or "", content)
    kind = (
        item.get("mime_type")
        or mimetypes.guess_type(file.file_path or "")[0]
        or "application/octet-stream"
    )
    return Response(
        content.getvalue(),
        media_type=kind,
        headers={
            "Cache-Control": "private, max-age=3600",
            "Content-Disposition": f'inline; filename="attachment-{index}"',
        },
    )
