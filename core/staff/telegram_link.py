"""Linking a staff member's Telegram chat with a one-time code (for digests in Telegram).

The inbox makes a short code (`start_link`); the staff member sends `/link CODE` to the bot,
which calls `complete_link` with the chat it came from. Only the code's SHA-256 is stored, for
`LINK_CODE_TTL`, and it works once. A SHA-256 (not a slow hash) is enough: the code is random,
short-lived, guessing is slowed by the bot's flood control, and the lookup must be by hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import Forbidden, ValidationFailed
from core.staff.models import Staff
from core.staff.repository import StaffRepository

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: easy to read off a screen and type on a phone.
LINK_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LINK_CODE_LENGTH = 8  # 31**8: about 40 bits
LINK_CODE_TTL = dt.timedelta(minutes=15)
# What people add when typing a code: spaces, dashes of any kind, underscores.
_SEPARATORS = re.compile(r"[\s\-_\u2010-\u2015\u2212]+")


class LinkCodeInvalid(ValidationFailed):
    """No active staff account has this code (mistyped, already used, or replaced)."""

    code = "telegram_link_code_invalid"


class LinkCodeExpired(LinkCodeInvalid):
    code = "telegram_link_code_expired"


def normalise_code(typed: str) -> str:
    """The code as stored: upper case, without spaces or dashes."""
    return _SEPARATORS.sub("", typed).upper()


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _well_formed(code: str) -> bool:
    return len(code) == LINK_CODE_LENGTH and all(c in LINK_CODE_ALPHABET for c in code)


async def start_link(session: AsyncSession, staff: Staff, *, now: dt.datetime | None = None) -> str:
    """A fresh one-time code for this staff member, replacing any earlier one; shown once."""
    if not staff.active:
        raise Forbidden("a disabled account cannot link Telegram")
    code = "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(LINK_CODE_LENGTH))
    staff.telegram_link_code_hash = _digest(code)
    staff.telegram_link_expires_at = (now or utcnow()) + LINK_CODE_TTL
    await session.flush()
    return code


async def complete_link(
    session: AsyncSession, code: str, chat_id: int, *, now: dt.datetime | None = None
) -> Staff:
    """Link the chat to the account whose code this is; the code is used up.

    Raises `LinkCodeExpired` for a code past its time, `LinkCodeInvalid` for anything else
    (unknown, already used, malformed, or the account is disabled).
    """
    normalised = normalise_code(code)
    if not _well_formed(normalised):
        raise LinkCodeInvalid("this is not a link code")
    digest = _digest(normalised)
    repository = StaffRepository(session)
    staff = await repository.by_link_code_hash(digest)
    # The index found it by hash; compare again in constant time all the same.
    stored = staff.telegram_link_code_hash if staff is not None else None
    if staff is None or stored is None or not hmac.compare_digest(stored, digest):
        raise LinkCodeInvalid("unknown link code")
    if not staff.active:  # disabled after making the code: as if it never existed
        raise LinkCodeInvalid("unknown link code")
    expires_at = staff.telegram_link_expires_at
    if expires_at is None or expires_at <= (now or utcnow()):
        raise LinkCodeExpired("the link code has expired")
    previous = await repository.by_telegram_chat(chat_id)
    if previous is not None and previous.id != staff.id:
        # One chat belongs to one account: the earlier one stops getting digests here.
        previous.telegram_chat_id = None
        await session.flush()  # before the new link, or the unique index sees the chat twice
        logger.info("telegram chat moved from staff %s to staff %s", previous.id, staff.id)
    staff.telegram_chat_id = chat_id
    staff.telegram_link_code_hash = None
    staff.telegram_link_expires_at = None
    await session.flush()
    logger.info("staff %s linked a telegram chat", staff.id)
    return staff


async def unlink(session: AsyncSession, staff: Staff) -> Staff:
    """No more Telegram for this account; a code not yet used stops working too."""
    staff.telegram_chat_id = None
    staff.telegram_link_code_hash = None
    staff.telegram_link_expires_at = None
    await session.flush()
    return staff
