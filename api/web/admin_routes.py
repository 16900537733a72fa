"""Admin pages: staff, partners, canned replies; coordinators' review of learned examples;
everyone's own API tokens and Telegram link. Permissions are checked by the core services,
not by these pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import DeskServices, Session
from api.web.deps import SignedIn, Staffer, require_csrf
from api.web.templating import render
from core.access import Capability, require
from core.errors import DomainError, NotFound, ValidationFailed
from core.i18n import SUPPORTED_LOCALES
from core.intents import learning
from core.intents.catalog import IntentKind
from core.partners.models import PartnerKind
from core.partners.repository import PartnerRepository
from core.partners.schemas import PartnerData
from core.replies import service as replies
from core.staff import telegram_link, tokens
from core.staff.models import Role
from core.staff.repository import StaffRepository
from core.staff.schemas import StaffCreate

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
Token = Annotated[str, Form()]


def _problem(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())


@router.get("/admin/staff")
async def staff_page(
    request: Request,
    staffer: SignedIn,
    db: Session,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    require(staffer.actor, Capability.MANAGE_STAFF)
    partners = await PartnerRepository(db).all()
    context = {
        "staffer": staffer,
        "csrf": staffer.web.csrf,
        "people": await StaffRepository(db).all(),
        "partners": {p.id: p for p in partners},
        "roles": list(Role),
        "message": message,
        "error": error,
        "locales": SUPPORTED_LOCALES,
    }
    return render(
        request, "admin_staff.html", context, locale=staffer.locale, status_code=status_code
    )


@router.post("/admin/staff")
async def create_staff(
    request: Request,
    staffer: SignedIn,
    db: Session,
    services: DeskServices,
    csrf_token: Token = "",
    email: Annotated[str, Form(max_length=254)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "caseworker",
    partner: Annotated[str, Form(max_length=40)] = "",
    locale: Annotated[str, Form(max_length=8)] = "en",
) -> Response:
    require_csrf(staffer.web, csrf_token)
    try:
        data = StaffCreate(
            email=email,
            display_name=name,
            role=Role(role) if role in set(Role) else role,
            partner_code=partner or None,
            locale=locale,
        )
        person, password = await services.staff.add(db, staffer.actor, data)
    except ValidationError as exc:
        return await staff_page(request, staffer, db, error=_problem(exc), status_code=422)
    except DomainError as exc:
        await db.rollback()
        return await staff_page(request, staffer, db, error=exc.message, status_code=422)
    return await staff_page(request, staffer, db, message=f"{person.email}: {password}")


@router.post("/admin/staff/{staff_id}/{action}")
async def staff_action(
    request: Request,
    staff_id: Id,
    action: str,
    staffer: SignedIn,
    db: Session,
    services: DeskServices,
    csrf_token: Token = "",
) -> Response:
    require_csrf(staffer.web, csrf_token)
    person = await StaffRepository(db).get(staff_id)
    if person is None or action not in ("disable", "enable", "reset"):
        raise NotFound("no such staff account")
    if action == "reset":
        password = await services.staff.reset_password(db, staffer.actor, person.email)
        return await staff_page(request, staffer, db, message=f"{person.email}: {password}")
    await services.staff.set_active(db, staffer.actor, person.email, action == "enable")
    return RedirectResponse("/admin/staff", status_code=303)


@router.get("/admin/partners")
async def partners_page(
    request: Request,
    staffer: SignedIn,
    db: Session,
    services: DeskServices,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    require(staffer.actor, Capability.MANAGE_PARTNERS)
    repository = PartnerRepository(db)
    partners = await repository.all()
    handles = {p.id: await repository.intent_codes(p.id) for p in partners}
    covers = {p.id: await repository.district_codes(p.id) for p in partners}
    context = {
        "staffer": staffer,
        "csrf": staffer.web.csrf,
        "partners": partners,
        "handles": handles,
        "covers": covers,
        "kinds": list(PartnerKind),
        "error": error,
        "intents": [i for i in services.context.catalog if i.kind is not IntentKind.INFORMATION],
        "districts": services.context.districts.districts,
    }
    return render(
        request, "admin_partners.html", context, locale=staffer.locale, status_code=status_code
    )


@router.post("/admin/partners")
async def save_partner(
    request: Request, staffer: SignedIn, db: Session, services: DeskServices, csrf_token: Token = ""
) -> Response:
    form = await request.form()
    require_csrf(staffer.web, str(form.get("csrf_token", "")))
    try:
        data = PartnerData(
            code=str(form.get("code", "")),
            name=str(form.get("name", "")),
            kind=str(form.get("kind", "")),
            service_type=str(form.get("service_type") or "") or None,
            email=str(form.get("email") or "") or None,
            phone=str(form.get("phone") or "") or None,
            languages=[str(v) for v in form.getlist("languages")],
            intents=[str(v) for v in form.getlist("intents")],
            districts=[str(v) for v in form.getlist("districts")],
            active=form.get("active") == "on",
            coordination_unit=form.get("coordination_unit") == "on",
        )
        await services.partners.save(db, staffer.actor, data)
    except ValidationError as exc:
        return await partners_page(
            request, staffer, db, services, error=_problem(exc), status_code=422
        )
    except ValidationFailed as exc:
        await db.rollback()
        return await partners_page(
            request, staffer, db, services, error=exc.message, status_code=422
        )
    return RedirectResponse("/admin/partners", status_code=303)


@router.get("/admin/replies")
async def replies_page(
    request: Request,
    staffer: SignedIn,
    db: Session,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    require(staffer.actor, Capability.MANAGE_CANNED_REPLIES)
    context = {
        "staffer": staffer,
        "csrf": staffer.web.csrf,
        "error": error,
        "locales": SUPPORTED_LOCALES,
        "replies": await replies.list_replies(db, staffer.actor, include_inactive=True),
        "partners": await PartnerRepository(db).all(),
    }
    return render(
        request, "admin_replies.html", context, locale=staffer.locale, status_code=status_code
    )


@router.post("/admin/replies")
async def save_reply(request: Request, staffer: SignedIn, db: Session) -> Response:
    form = await request.form()
    require_csrf(staffer.web, str(form.get("csrf_token", "")))
    reply_id = str(form.get("reply_id") or "")
    try:
        data = replies.CannedReplyData(
            title=str(form.get("title", "")),
            texts={code: str(form.get(f"text_{code}", "")) for code in SUPPORTED_LOCALES},
            partner_id=int(str(form.get("partner_id")))
            if str(form.get("partner_id") or "").isdigit()
            else None,
            active=form.get("active", "on") == "on",
        )
        await replies.save_reply(
            db, staffer.actor, data, int(reply_id) if reply_id.isdigit() else None
        )
    except ValidationError as exc:
        return await replies_page(request, staffer, db, error=_problem(exc), status_code=422)
    return RedirectResponse("/admin/replies", status_code=303)


@router.get("/admin/learned")
async def learned_page(request: Request, staffer: SignedIn, db: Session) -> Response:
    examples, total = await learning.list_examples(db, staffer.actor, limit=200)
    context = {"staffer": staffer, "csrf": staffer.web.csrf, "examples": examples, "total": total}
    return render(request, "admin_learned.html", context, locale=staffer.locale)


@router.post("/admin/learned/{example_id}/delete")
async def delete_learned(
    example_id: Id, staffer: SignedIn, db: Session, csrf_token: Token = ""
) -> Response:
    require_csrf(staffer.web, csrf_token)
    await learning.remove_example(db, staffer.actor, example_id)
    return RedirectResponse("/admin/learned", status_code=303)


@router.get("/account")
async def account(
    request: Request, staffer: SignedIn, db: Session, secret: str | None = None
) -> Response:
    return await _account_page(request, staffer, db, secret=secret)


async def _account_page(
    request: Request,
    staffer: Staffer,
    db: AsyncSession,
    *,
    secret: str | None = None,
    link_code: str | None = None,
) -> Response:
    """The account page; a new API token or Telegram link code is shown this once."""
    bot = request.app.state.civicdesk.settings.bot_username
    context = {
        "staffer": staffer,
        "csrf": staffer.web.csrf,
        "secret": secret,
        "tokens": await tokens.list_tokens(db, staffer.actor, staffer.staff.id),
        "link_code": link_code,
        "telegram_bot": f"@{bot}" if bot else None,
    }
    return render(request, "account.html", context, locale=staffer.locale)


@router.post("/account/tokens")
async def create_token(
    request: Request,
    staffer: SignedIn,
    db: Session,
    csrf_token: Token = "",
    name: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    require_csrf(staffer.web, csrf_token)
    _, secret = await tokens.create_token(db, staffer.actor, staffer.staff.id, name or "API")
    return await account(request, staffer, db, secret=secret)


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(
    token_id: Id, staffer: SignedIn, db: Session, csrf_token: Token = ""
) -> Response:
    require_csrf(staffer.web, csrf_token)
    await tokens.revoke_token(db, staffer.actor, token_id)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/telegram")
async def link_telegram(
    request: Request, staffer: SignedIn, db: Session, csrf_token: Token = ""
) -> Response:
    require_csrf(staffer.web, csrf_token)
    code = await telegram_link.start_link(db, staffer.staff)
    return await _account_page(request, staffer, db, link_code=code)


@router.post("/account/telegram/unlink")
async def unlink_telegram(staffer: SignedIn, db: Session, csrf_token: Token = "") -> Response:
    require_csrf(staffer.web, csrf_token)
    await telegram_link.unlink(db, staffer.staff)
    return RedirectResponse("/account", status_code=303)
