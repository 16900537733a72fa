"""`civicdesk open311`: API keys for Open311 clients (apps that file requests)."""

from __future__ import annotations

import argparse
from typing import Any

from cli.app import open_app
from cli.main import add_handler
from cli.output import say, say_credentials
from core.access import SystemActor
from core.config import Settings
from core.db import transaction
from core.open311 import keys

CLI_ACTOR = SystemActor("cli")


def register(commands: Any) -> None:
    parser = commands.add_parser("open311", help="the Open311 GeoReport v2 server")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    key = actions.add_parser("keys", help="API keys for Open311 clients")
    key_actions = key.add_subparsers(dest="key_action", metavar="ACTION", required=True)
    create = key_actions.add_parser("create", help="create a key (printed once)")
    create.add_argument("--name", required=True, help="which client the key is for")
    add_handler(create, _create)
    add_handler(key_actions.add_parser("list", help="every key, active or revoked"), _list)
    revoke = key_actions.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id", type=int)
    add_handler(revoke, _revoke)


async def _create(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app, transaction(app.sessions) as session:
        key, secret = await keys.create_key(session, CLI_ACTOR, args.name)
    say(f"key {key.id} ({key.name}): {secret}")
    say("it is shown only this once; the client sends it as api_key=<key>")
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app, transaction(app.sessions) as session:
        rows = await keys.list_keys(session, CLI_ACTOR)
    say_credentials(rows, "no keys")
    return 0


async def _revoke(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app, transaction(app.sessions) as session:
        key = await keys.revoke_key(session, CLI_ACTOR, args.key_id)
    say(f"key {key.id} ({key.name}) is revoked")
    return 0
