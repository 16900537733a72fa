"""Personal API tokens: random, shown once, stored as a SHA-256, revocable.

A SHA-256 (not argon2) is right here: the token is 256 random bits, so there is nothing to
guess, and every API request must check it quickly.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Actor, Capability, StaffActor, can
from core.db import utcnow
from core.errors import Forbidden, NotFound, ValidationFailed
from core.staff.models import ApiToken, Staff

TOKEN_PREFIX = "cdk_"  # noqa: S105 - a public marker, not a secret
VISIBLE_PREFIX_LENGTH = 10


def hash_secret(secret: str) -> str:
    """What is stored of a secret (also of Open311 keys, see core.open311.keys)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret(prefix: str) -> str:
    """256 random bits behind a public marker that says what the secret is for."""
    return prefix + secrets.token_urlsafe(32)


def same_hash(stored: str, digest: str) -> bool:
    # The index found the row by hash; compare again in constant time all the same.
    return hmac.compare_digest(stored, digest)


def _may_manage(actor: Actor, staff_id: int) -> bool:
    own = isinstance(actor, StaffActor) and actor.staff_id == staff_id
    return own or can(actor, Capability.MANAGE_STAFF)


async def create_token(
    session: AsyncSession, actor: Actor, staff_id: int, name: str
) -> tuple[ApiToken, str]:
    """A new token for a staff member (themselves, or by an admin); the secret is returned once."""
    if not _may_manage(actor, staff_id):
        raise Forbidden("you can only create tokens for yourself")
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("give the token a name of 1-100 characters", field="name")
    staff = await session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise NotFound("no active staff account", staff_id=staff_id)
    secret = new_secret(TOKEN_PREFIX)
    token = ApiToken(
        staff_id=staff_id,
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[:VISIBLE_PREFIX_LENGTH],
    )
    session.add(token)
    await session.flush()
    return token, secret


async def staff_for_token(session: AsyncSession, secret: str) -> Staff | None:
    """The active staff member a token belongs to, or None for anything else."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    digest = hash_secret(secret)
    row = (
        await session.execute(
            sa.select(ApiToken, Staff)
            .join(Staff, Staff.id == ApiToken.staff_id)
            .where(ApiToken.token_hash == digest)
        )
    ).first()
    if row is None:
        return None
    token, staff = row
    if not same_hash(token.token_hash, digest) or token.revoked_at or not staff.active:
        return None
    token.last_used_at = utcnow()
    return staff


async def list_tokens(session: AsyncSession, actor: Actor, staff_id: int) -> list[ApiToken]:
    if not _may_manage(actor, staff_id):
        raise Forbidden("you can only see your own tokens")
    result = await session.execute(
        sa.select(ApiToken).where(ApiToken.staff_id == staff_id).order_by(ApiToken.id)
    )
    return list(result.scalars())


async def revoke_token(session: AsyncSession, actor: Actor, token_id: int) -> ApiToken:
    token = await session.get(ApiToken, token_id)
    if token is None or not _may_manage(actor, token.staff_id):
        raise NotFound("token not found", token_id=token_id)
    token.revoked_at = token.revoked_at or utcnow()
    await session.flush()
    return token
