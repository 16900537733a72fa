"""`civicdesk`: one command for running, administering and inspecting the desk."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NoReturn

from alembic import util as alembic_util
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from cli.output import CommandFailed, warn
from core.config import Settings
from core.errors import DomainError
from core.intents.catalog import CatalogError

Handler = Callable[[argparse.Namespace, Settings], Awaitable[int]]


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line instead of usage plus error."""

    def error(self, message: str) -> NoReturn:
        raise CommandFailed(f"{self.prog}: {message} (see {self.prog} --help)", exit_code=2)


def build_parser() -> Parser:
    from cli.commands import db, demo, digest, intents, open311, partners, serve, staff

    parser = Parser(prog="civicdesk", description=__doc__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    for module in (serve, demo, db, staff, partners, intents, digest, open311):
        module.register(commands)
    return parser


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"CIVICDESK_{'__'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise CommandFailed(f"configuration error: {problems}") from exc


def _configure_logging() -> None:
    level = os.environ.get("CIVICDESK_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (it is a dependency except on Windows): with httptools,
    it cut the web app's CPU time per inbox page by about 15% (bench/inbox.py)."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        _configure_logging()
        handler: Handler = args.handler
        with asyncio.Runner(loop_factory=_event_loop_factory()) as runner:
            return runner.run(handler(args, _settings()))
    except CommandFailed as exc:
        warn(str(exc))
        return exc.exit_code
    except CatalogError as exc:
        warn(f"the service catalog has {len(exc.problems)} problem(s):")
        for problem in exc.problems:
            warn(f"  {problem}")
        return 1
    except DomainError as exc:
        warn(f"error: {exc.message}")
        return 1
    except alembic_util.CommandError as exc:
        warn(f"error: migrations: {_first_line(exc)}")
        return 1
    except DBAPIError as exc:
        warn(f"error: database: {_first_line(exc)}")
        return 1
    except OSError as exc:
        warn(f"error: cannot reach a service: {_first_line(exc)}")
        return 1
    except KeyboardInterrupt:
        return 130


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def main() -> NoReturn:
    sys.exit(run())


def add_handler(parser: argparse.ArgumentParser, handler: Handler, **defaults: Any) -> None:
    parser.set_defaults(handler=handler, **defaults)
