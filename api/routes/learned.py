"""Review of what the matcher has learned (coordinators and admins)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from api.deps import Actor, Session
from core.intents import learning
from core.intents.models import ExampleSource

router = APIRouter(prefix="/api/v1/learned-examples", tags=["matcher"])


class LearnedExampleRead(BaseModel):
    id: int
    intent: str
    language: str
    text: str
    source: ExampleSource
    ticket_id: int | None
    created_at: dt.datetime


class LearnedExamplePage(BaseModel):
    items: list[LearnedExampleRead]
    total: int


@router.get("", response_model=LearnedExamplePage)
async def list_learned_examples(
    session: Session,
    actor: Actor,
    intent: Annotated[str | None, Query(max_length=64)] = None,
    language: Annotated[str | None, Query(max_length=8)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> LearnedExamplePage:
    """Newest first; filter by intent code and language."""
    rows, total = await learning.list_examples(
        session, actor, intent_code=intent, language=language, limit=limit, offset=offset
    )
    items = [
        LearnedExampleRead(
            id=row.id,
            intent=row.intent_code,
            language=row.language,
            text=row.text,
            source=row.source,
            ticket_id=row.ticket_id,
            created_at=row.created_at,
        )
        for row in rows
    ]
    return LearnedExamplePage(items=items, total=total)


@router.delete("/{example_id}", status_code=204)
async def remove_learned_example(
    example_id: Annotated[int, Path(ge=1, le=2**63 - 1)], session: Session, actor: Actor
) -> Response:
    """The matcher forgets this example in every process within a few seconds."""
    await learning.remove_example(session, actor, example_id)
    return Response(status_code=204)
