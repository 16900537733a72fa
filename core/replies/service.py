"""Canned replies: prepared answers that exist in every language, managed by admins."""

from __future__ import annotations

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Actor, Capability, StaffActor, require
from core.errors import NotFound, ValidationFailed
from core.i18n import SUPPORTED_LOCALES
from core.replies.models import CannedReply

MAX_REPLY_LENGTH = 2_000


class CannedReplyData(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=120)
    texts: dict[str, str]
    partner_id: int | None = None
    active: bool = True

    @field_validator("texts")
    @classmethod
    def _every_language(cls, texts: dict[str, str]) -> dict[str, str]:
        missing = [code for code in SUPPORTED_LOCALES if not (texts.get(code) or "").strip()]
        if missing:
            raise ValueError(f"the reply is missing in: {', '.join(missing)}")
        unknown = sorted(set(texts) - set(SUPPORTED_LOCALES))
        if unknown:
            raise ValueError(f"unsupported language(s): {', '.join(unknown)}")
        too_long = [code for code, text in texts.items() if len(text) > MAX_REPLY_LENGTH]
        if too_long:
            raise ValueError(f"longer than {MAX_REPLY_LENGTH} characters in: {', '.join(too_long)}")
        return {code: texts[code].strip() for code in SUPPORTED_LOCALES}


def _visible(actor: Actor) -> sa.ColumnElement[bool]:
    if isinstance(actor, StaffActor) and not actor.sees_all_partners:
        return sa.or_(CannedReply.partner_id.is_(None), CannedReply.partner_id == actor.partner_id)
    return sa.true()


async def list_replies(
    session: AsyncSession, actor: Actor, *, include_inactive: bool = False
) -> list[CannedReply]:
    statement = sa.select(CannedReply).where(_visible(actor)).order_by(CannedReply.title)
    if not include_inactive:
        statement = statement.where(CannedReply.active.is_(True))
    return list((await session.execute(statement)).scalars())


async def get_reply(session: AsyncSession, actor: Actor, reply_id: int) -> CannedReply:
    statement = sa.select(CannedReply).where(CannedReply.id == reply_id, _visible(actor))
    reply = (await session.execute(statement)).scalar_one_or_none()
    if reply is None:
        raise NotFound("canned reply not found", reply_id=reply_id)
    return reply


async def save_reply(
    session: AsyncSession, actor: Actor, data: CannedReplyData, reply_id: int | None = None
) -> CannedReply:
    require(actor, Capability.MANAGE_CANNED_REPLIES)
    reply = CannedReply() if reply_id is None else await get_reply(session, actor, reply_id)
    if reply_id is None:
        session.add(reply)
    reply.title, reply.texts = data.title, dict(data.texts)
    reply.partner_id, reply.active = data.partner_id, data.active
    await session.flush()
    return reply


def text_for(reply: CannedReply, locale: str) -> str:
    text = reply.texts.get(locale) or reply.texts.get("en")
    if not text:
        raise ValidationFailed("this canned reply has no text", field="canned_reply_id")
    return text
