"""`civicdesk staff`: accounts for caseworkers, managers, coordinators and admins."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from cli.app import open_app
from cli.main import add_handler
from cli.output import CommandFailed, say, say_credentials
from core.access import SystemActor
from core.config import Settings
from core.db import transaction
from core.partners.repository import PartnerRepository
from core.staff import tokens
from core.staff.models import Role
from core.staff.repository import StaffRepository
from core.staff.schemas import StaffCreate

CLI_ACTOR = SystemActor("cli")


def register(commands: Any) -> None:
    parser = commands.add_parser("staff", help="staff accounts")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="create an account (prints a one-time password)")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True, help="display name")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument("--partner", help="partner code (required for caseworkers and managers)")
    add.add_argument("--locale", default="en", help="interface language (default en)")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of generating one",
    )
    add_handler(add, _add)

    listing = actions.add_parser("list", help="list accounts")
    listing.add_argument("--partner", help="only this partner's staff")
    add_handler(listing, _list)

    for name, helptext, active in (
        ("disable", "disable an account", False),
        ("enable", "re-enable an account", True),
    ):
        action = actions.add_parser(name, help=helptext)
        action.add_argument("email")
        add_handler(action, _set_active, active=active)

    reset = actions.add_parser("reset-password", help="issue a new one-time password")
    reset.add_argument("email")
    add_handler(reset, _reset)

    token = actions.add_parser("token", help="personal tokens for the JSON API")
    token_actions = token.add_subparsers(dest="token_action", metavar="ACTION", required=True)
    create = token_actions.add_parser("create", help="create a token (printed once)")
    create.add_argument("email")
    create.add_argument("--name", required=True, help="what the token is for")
    add_handler(create, _token_create)
    tokens = token_actions.add_parser("list", help="a staff member's tokens")
    tokens.add_argument("email")
    add_handler(tokens, _token_list)
    revoke = token_actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id", type=int)
    add_handler(revoke, _token_revoke)


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandFailed("staff add: no password on standard input")
    return password


async def _add(args: argparse.Namespace, settings: Settings) -> int:
    try:
        data = StaffCreate(
            email=args.email,
            display_name=args.name,
            role=Role(args.role),
            partner_code=args.partner,
            locale=args.locale,
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        raise CommandFailed(f"staff add: --{error['loc'][0]}: {error['msg']}") from exc
    password = _read_password() if args.password_stdin else None
    async with open_app(settings) as app, transaction(app.sessions) as session:
        staff, generated = await app.services.staff.add(session, CLI_ACTOR, data, password)
    say(f"created {staff.role} {staff.email}" + (f" ({args.partner})" if args.partner else ""))
    if generated:
        say(f"one-time password: {generated}")
        say("it must be changed at the first sign-in")
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app, transaction(app.sessions) as session:
        partners = {partner.id: partner.code for partner in await PartnerRepository(session).all()}
        partner_id = None
        if args.partner:
            partner_id = next((pid for pid, code in partners.items() if code == args.partner), None)
            if partner_id is None:
                raise CommandFailed(f"staff list: no partner {args.partner!r}")
        accounts = await StaffRepository(session).all(partner_id=partner_id)
    if not accounts:
        say("no staff accounts")
    for staff in accounts:
        partner = partners.get(staff.partner_id, "-") if staff.partner_id else "-"
        state = "active" if staff.active else "disabled"
        say(f"{staff.email:40} {staff.role.value:12} {partner:20} {state:9} {staff.display_name}")
    return 0


async def _set_active(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app, transaction(app.sessions) as session:
        staff = await app.services.staff.set_active(session, CLI_ACTOR, args.email, args.active)
    say(f"{staff.email} is now {'active' if staff.active else 'disabled'}")
    return 0


async def _reset(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app, transaction(app.sessions) as session:
        password = await app.services.staff.reset_password(session, CLI_ACTOR, args.email)
    say(f"one-time password for {args.email.lower()}: {password}")
    return 0


async def _staff_id(session: AsyncSession, email: str) -> int:
    staff = await StaffRepository(session).by_email(email)
    if staff is None:
        raise CommandFailed(f"staff token: no staff account {email}")
    return staff.id


async def _token_create(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app, transaction(app.sessions) as session:
        token, secret = await tokens.create_token(
            session, CLI_ACTOR, await _staff_id(session, args.email), args.name
        )
    say(f"token {token.id} ({token.name}) for {args.email.lower()}: {secret}")
    say("it is shown only this once; send it as: Authorization: Bearer <token>")
    return 0


async def _token_list(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app, transaction(app.sessions) as session:
        rows = await tokens.list_tokens(session, CLI_ACTOR, await _staff_id(session, args.email))
    say_credentials(rows, "no tokens")
    return 0


async def _token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app, transaction(app.sessions) as session:
        token = await tokens.revoke_token(session, CLI_ACTOR, args.token_id)
    say(f"token {token.id} ({token.name}) is revoked")
    return 0
