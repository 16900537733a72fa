"""Command output goes to stdout (it is the command's result); problems go to stderr."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def warn(text: str) -> None:
    sys.stderr.write(text + "\n")


def say_credentials(rows: Sequence[Any], empty: str) -> None:
    """API tokens or Open311 keys, a line each: id, prefix, state, last use, name."""
    if not rows:
        say(empty)
    for row in rows:
        state = "revoked" if row.revoked_at else "active"
        used = row.last_used_at.isoformat(timespec="minutes") if row.last_used_at else "never used"
        say(f"{row.id:6} {row.prefix}... {state:8} {used:22} {row.name}")


class CommandFailed(Exception):
    """A problem the user can fix, reported as one line and a non-zero exit."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
