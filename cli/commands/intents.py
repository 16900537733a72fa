"""`civicdesk intents`: the service catalog."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

from cli.main import add_handler
from cli.output import CommandFailed, say
from core.config import Settings
from core.i18n import SUPPORTED_LOCALES
from core.intents.evaluation import evaluate, read_labelled
from core.intents.loader import load_catalog
from core.intents.matcher import Matcher


def register(commands: Any) -> None:
    parser = commands.add_parser("intents", help="the service catalog and the intent matcher")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate a catalog folder and count its phrases")
    check.add_argument(
        "directory", nargs="?", type=Path, help="catalog folder (default: CIVICDESK_CATALOG_DIR)"
    )
    add_handler(check, _check)

    classify = actions.add_parser(
        "classify", help="classify messages: one per line on stdin, one JSON object per line out"
    )
    classify.add_argument(
        "--catalog", type=Path, help="catalog folder (default: CIVICDESK_CATALOG_DIR)"
    )
    add_handler(classify, _classify)

    evaluate_parser = actions.add_parser(
        "eval", help="accuracy of the matcher on a labelled JSONL file ({text, intent, lang})"
    )
    evaluate_parser.add_argument("file", type=Path)
    evaluate_parser.add_argument("--catalog", type=Path, help="catalog folder")
    evaluate_parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    add_handler(evaluate_parser, _eval)


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


def _matcher(directory: Path | None, settings: Settings) -> Matcher:
    return Matcher(load_catalog(directory or settings.catalog_dir))


async def _classify(args: argparse.Namespace, settings: Settings) -> int:
    matcher = _matcher(args.catalog, settings)
    stdin = sys.stdin
    if isinstance(stdin, io.TextIOWrapper):
        # Whatever the terminal's locale, read UTF-8, and never die on a broken byte.
        stdin.reconfigure(encoding="utf-8", errors="replace")
    for line in stdin:
        result = matcher.match(line.rstrip("\r\n"))
        # One line out for every line in, flushed, so a caller can talk to us line by line.
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


async def _eval(args: argparse.Namespace, settings: Settings) -> int:
    try:
        messages = read_labelled(args.file)
    except OSError as exc:
        raise CommandFailed(f"intents eval: cannot read {args.file}: {exc.strerror}") from exc
    except ValueError as exc:
        raise CommandFailed(f"intents eval: {exc}") from exc
    figures = evaluate(_matcher(args.catalog, settings), messages).as_dict()
    if args.json:
        say(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    say(f"messages                   {figures['messages']}")
    say(f"top-1 accuracy             {figures['top1_accuracy']:.3f}")
    for language, accuracy in figures["accuracy_by_language"].items():
        say(f"  {language}                       {accuracy:.3f}")
    say(f"macro-F1                   {figures['macro_f1']:.3f}")
    say(f"out-of-scope precision     {figures['out_of_scope_precision']:.3f}")
    say(f"out-of-scope recall        {figures['out_of_scope_recall']:.3f}")
    say(f"emergency recall           {figures['emergency_recall']:.3f}")
    say("most confused (actual -> predicted):")
    for pair in figures["most_confused"]:
        say(f"  {pair['actual']} -> {pair['predicted']}: {pair['count']}")
    return 0
