"""`civicdesk db`: the schema is made and changed only by migrations."""

from __future__ import annotations

import argparse
from typing import Any

from cli.app import open_app
from cli.main import add_handler
from cli.output import say
from core import migrate
from core.config import Settings


def register(commands: Any) -> None:
    parser = commands.add_parser("db", help="database migrations")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="migrate to a revision (default: the newest)")
    upgrade.add_argument("revision", nargs="?", default="head")
    add_handler(upgrade, _upgrade)
    downgrade = actions.add_parser("downgrade", help="migrate back, e.g. to -1 or base")
    downgrade.add_argument("revision", help="target revision: -1, base, or a revision id")
    add_handler(downgrade, _downgrade)
    current = actions.add_parser("current", help="show the database's revision")
    add_handler(current, _current)


async def _upgrade(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app:
        await migrate.upgrade(app.engine, args.revision)
        say(f"database at {await migrate.current_revision(app.engine) or 'base'}")
    return 0


async def _downgrade(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app:
        await migrate.downgrade(app.engine, args.revision)
        say(f"database at {await migrate.current_revision(app.engine) or 'base'}")
    return 0


async def _current(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app:
        current = await migrate.current_revision(app.engine)
        head = migrate.head_revision()
        state = "up to date" if current == head else f"behind: newest is {head}"
        say(f"{current or 'base'} ({state})")
    return 0
