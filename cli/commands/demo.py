"""`civicdesk demo`: a demo city to explore, on the embedded database by default."""

from __future__ import annotations

import argparse
from typing import Any

from cli.app import open_app
from cli.commands.serve import run_everything
from cli.main import add_handler
from cli.output import say
from core import migrate
from core.config import Settings
from core.db import transaction
from core.demo.seed import DEMO_DISTRICTS, DEMO_STAFF, seed_demo


def register(commands: Any) -> None:
    parser = commands.add_parser("demo", help="seed a demo city (once) and run everything")
    parser.add_argument("--seed-only", action="store_true", help="seed, print the logins, and stop")
    parser.add_argument("--host", help="address to listen on (default CIVICDESK_HTTP_HOST)")
    parser.add_argument("--port", type=int, help="port (default CIVICDESK_HTTP_PORT)")
    add_handler(parser, _demo)


async def _demo(args: argparse.Namespace, settings: Settings) -> int:
    if settings.districts_file is None:
        settings = settings.model_copy(update={"districts_file": DEMO_DISTRICTS})
    host, port = args.host or settings.http_host, args.port or settings.http_port
    async with open_app(settings) as app:
        await migrate.upgrade(app.engine)
        async with transaction(app.sessions) as session:
            logins = await seed_demo(session, app.services)
        say("seeded the demo city Riverton" if logins.created else "the demo city is already there")
        say(f"\nweb app: http://{host}:{port}/")
        say("sign in with (one-time passwords, to be changed at the first sign-in):")
        for email, _name, role, partner in DEMO_STAFF:
            where = f" ({partner})" if partner else ""
            say(f"  {role.value:11} {email:32} {logins.passwords[email]}{where}")
        say()
        if not args.seed_only:
            await run_everything(app, host, port)
    return 0
