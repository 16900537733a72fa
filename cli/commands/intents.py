"""`civicdesk intents`: the service catalog."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cli.main import add_handler
from cli.output import say
from core.config import Settings
from core.i18n import SUPPORTED_LOCALES
from core.intents.loader import load_catalog


def register(commands: Any) -> None:
    parser = commands.add_parser("intents", help="the service catalog and the intent matcher")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate a catalog folder and count its phrases")
    check.add_argument(
        "directory", nargs="?", type=Path, help="catalog folder (default: CIVICDESK_CATALOG_DIR)"
    )
    add_handler(check, _check)


async def _check(args: argparse.Namespace, settings: Settings) -> int:
    catalog = load_catalog(args.directory or settings.catalog_dir)
    header = f"{'intent':24} {'kind':12}" + "".join(f"{lang:>5}" for lang in SUPPORTED_LOCALES)
    say(header)
    for intent in catalog:
        counts = "".join(f"{len(intent.languages[lang].phrases):>5}" for lang in SUPPORTED_LOCALES)
        say(f"{intent.code:24} {intent.kind.value:12}{counts}")
    total = sum(len(entry.phrases) for intent in catalog for entry in intent.languages.values())
    say(f"catalog OK: {len(catalog)} intents, {len(catalog.groups)} groups, {total} phrases")
    return 0
