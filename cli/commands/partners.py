"""`civicdesk partners`: the departments and nonprofits that answer residents."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cli.app import open_app
from cli.main import add_handler
from cli.output import say
from core.access import SystemActor
from core.config import Settings
from core.db import transaction
from core.partners.repository import PartnerRepository
from core.partners.service import parse_partners_file


def register(commands: Any) -> None:
    parser = commands.add_parser("partners", help="partners and what they handle")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    load = actions.add_parser("load", help="create or update partners from a YAML file")
    load.add_argument("file", type=Path)
    add_handler(load, _load)
    listing = actions.add_parser("list", help="list partners with their intents and districts")
    add_handler(listing, _list)


async def _load(args: argparse.Namespace, settings: Settings) -> int:
    parsed = parse_partners_file(args.file)
    async with open_app(settings) as app, transaction(app.sessions) as session:
        partners = await app.services.partners.load(session, SystemActor("cli"), parsed)
    say(f"loaded {len(partners)} partner(s): {', '.join(partner.code for partner in partners)}")
    return 0


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings) as app, transaction(app.sessions) as session:
        repository = PartnerRepository(session)
        partners = await repository.all()
        if not partners:
            say("no partners yet: load them with `civicdesk partners load FILE`")
        for partner in partners:
            flags = [partner.kind.value]
            if partner.is_coordination_unit:
                flags.append("coordination unit")
            if not partner.active:
                flags.append("inactive")
            intents = await repository.intent_codes(partner.id)
            districts = await repository.district_codes(partner.id)
            say(f"{partner.code:22} {partner.name} ({', '.join(flags)})")
            say(f"{'':22} intents: {', '.join(intents) or '-'}")
            say(f"{'':22} districts: {', '.join(districts) or 'whole city'}")
    return 0
