"""API keys for Open311 clients: random, shown once, stored as a SHA-256, revocable.

The same approach (and the same helpers) as the staff API tokens in core.staff.tokens; a key
belongs to a client application, not to a person, so it only files requests.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Actor, Capability, require
from core.db import utcnow
from core.errors import NotFound, ValidationFailed
from core.open311.models import Open311Key
from core.open311.repository import KeyRepository
from core.staff.tokens import hash_secret, new_secret, same_hash

KEY_PREFIX = "o311_"
VISIBLE_PREFIX_LENGTH = 11


async def create_key(session: AsyncSession, actor: Actor, name: str) -> tuple[Open311Key, str]:
    """A new key; the secret is returned this once and never stored."""
    require(actor, Capability.MANAGE_PARTNERS)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("give the key a name of 1-100 characters", field="name")
    secret = new_secret(KEY_PREFIX)
    key = Open311Key(name=name, key_hash=hash_secret(secret), prefix=secret[:VISIBLE_PREFIX_LENGTH])
    session.add(key)
    await session.flush()
    return key, secret


async def key_for_secret(session: AsyncSession, secret: str | None) -> Open311Key | None:
    """The active key this secret is, or None for anything else (missing, unknown, revoked)."""
    if not secret or not secret.startswith(KEY_PREFIX):
        return None
    digest = hash_secret(secret)
    key = await KeyRepository(session).by_hash(digest)
    if key is None or not same_hash(key.key_hash, digest) or key.revoked_at is not None:
        return None
    key.last_used_at = utcnow()
    return key


async def list_keys(session: AsyncSession, actor: Actor) -> list[Open311Key]:
    require(actor, Capability.MANAGE_PARTNERS)
    return await KeyRepository(session).all()


async def revoke_key(session: AsyncSession, actor: Actor, key_id: int) -> Open311Key:
    require(actor, Capability.MANAGE_PARTNERS)
    key = await KeyRepository(session).get(key_id)
    if key is None:
        raise NotFound("Open311 key not found", key_id=key_id)
    key.revoked_at = key.revoked_at or utcnow()
    await session.flush()
    return key
