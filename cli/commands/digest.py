"""`civicdesk digest`: preview a manager's weekly digest, or send it now."""

from __future__ import annotations

import argparse
import asyncio
import base64
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from cli.app import open_app
from cli.main import add_handler
from cli.output import CommandFailed, say
from core.config import Settings
from core.db import transaction, utcnow
from core.digest.charts import render_charts
from core.digest.render import render_digest
from core.digest.service import digest_for, queue_week, recipients
from core.digest.weeks import Week
from core.i18n import SUPPORTED_LOCALES
from core.notifications.models import Outbox, OutboxState
from core.staff.models import Staff

WAIT_POLL_SECONDS = 0.5


def _week(text: str) -> Week:
    try:
        return Week.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def register(commands: Any) -> None:
    parser = commands.add_parser("digest", help="the managers' weekly digest")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    preview = actions.add_parser("preview", help="write one manager's digest to an HTML file")
    preview.add_argument("--staff", required=True, metavar="EMAIL", help="whose digest")
    preview.add_argument("--week", type=_week, help="ISO week, e.g. 2026-W47 (default: last)")
    preview.add_argument("--out", type=Path, required=True, metavar="FILE.html")
    add_handler(preview, _preview)
    send = actions.add_parser("send", help="queue a week's digest and report its delivery")
    send.add_argument("--week", type=_week, help="ISO week, e.g. 2026-W47 (default: last)")
    send.add_argument(
        "--staff", metavar="EMAIL", help="only this person (sent again even if sent before)"
    )
    send.add_argument(
        "--wait", type=float, default=60.0, metavar="SECONDS",
        help="how long to wait for the worker to deliver (0: just queue)",
    )  # fmt: skip
    add_handler(send, _send)


async def _preview(args: argparse.Namespace, settings: Settings) -> int:
    week = args.week or Week.last_complete(utcnow(), settings.tz)
    async with open_app(settings) as app, transaction(app.sessions) as session:
        found = await recipients(session, args.staff)
        if not found:
            raise CommandFailed(
                f"{args.staff} gets no digest: only active managers, coordinators and admins do"
            )
        member, scope = found[0].staff, found[0].scope
        figures = await digest_for(session, week, scope, settings.tz)
    charts = await asyncio.to_thread(render_charts, figures)
    inline = {
        name: "data:image/png;base64," + base64.b64encode(png).decode()
        for name, png in charts.items()
    }
    rendered = render_digest(
        figures,
        member.locale if member.locale in SUPPORTED_LOCALES else "en",
        city_name=settings.city_name,
        public_url=settings.public_url,
        timezone=settings.tz,
        catalog=app.services.context.catalog,
        charts=charts,
        image_src=inline.__getitem__,
    )
    args.out.write_text(rendered.html, encoding="utf-8")
    say(f"{rendered.subject}\nwritten to {args.out}")
    return 0


async def _send(args: argparse.Namespace, settings: Settings) -> int:
    week = args.week or Week.last_complete(utcnow(), settings.tz)
    async with open_app(settings) as app:
        async with transaction(app.sessions) as session:
            rows = await queue_week(
                session, week, settings.tz, only_email=args.staff, again=args.staff is not None
            )
            ids = [row.id for row in rows]
        if not ids:
            say(f"{week}: nothing to send (already queued for everyone, or nobody gets it)")
            return 0 if args.staff is None else 1
        say(f"{week}: queued {len(ids)} message(s)")
        deadline = time.monotonic() + args.wait
        while True:
            async with transaction(app.sessions) as session:
                statement = (
                    sa.select(Outbox, Staff.email)
                    .join(Staff, Staff.id == Outbox.staff_id)
                    .where(Outbox.id.in_(ids))
                    .order_by(Outbox.id)
                )
                report = (await session.execute(statement)).all()
            waiting = [row for row, _ in report if row.state == OutboxState.PENDING]
            if not waiting or time.monotonic() >= deadline:
                break
            await asyncio.sleep(WAIT_POLL_SECONDS)
    for row, email in report:
        reason = f" ({row.last_error})" if row.last_error else ""
        say(f"  {email:32} {row.channel.value:8} {row.state.value}{reason}")
    if waiting:
        say("still queued: a running `civicdesk worker` delivers them (and retries failures)")
    failed = [row for row, _ in report if row.state == OutboxState.FAILED]
    return 1 if failed else 0
