"""The learning loop: corrections by caseworkers and choices by residents become examples the
matcher uses at once, in every process, without a restart."""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Actor, Capability, require
from core.errors import NotFound
from core.i18n import SUPPORTED_LOCALES
from core.intents.catalog import Catalog, IntentKind
from core.intents.index import Document
from core.intents.matcher import EMERGENCY_INTENT, Matcher, MatchResult, Tuning
from core.intents.models import ExampleSource, LearnedExample
from core.intents.normalize import normalise

logger = logging.getLogger(__name__)
MAX_EXAMPLE_LENGTH = 500  # a long story teaches little; its start is kept
MAX_EXAMPLES_PER_RESIDENT = 20  # one person cannot reshape the matcher
MIN_EXAMPLE_TOKENS = 1


async def record_example(
    session: AsyncSession,
    catalog: Catalog,
    *,
    intent_code: str,
    language: str,
    text: str,
    source: ExampleSource,
    ticket_id: int | None = None,
    resident_id: int | None = None,
    staff_id: int | None = None,
) -> LearnedExample | None:
    """Keep `text` as an example of `intent_code`; None if it teaches nothing or is known."""
    intent = catalog.get(intent_code)
    if intent is None or intent.kind is IntentKind.EMERGENCY or language not in SUPPORTED_LOCALES:
        # Emergencies are never learned from chance words: recall must not drift.
        return None
    text = text.strip()[:MAX_EXAMPLE_LENGTH]
    normalised = normalise(text)
    if len(normalised.tokens) < MIN_EXAMPLE_TOKENS:
        return None
    key = normalised.text[:MAX_EXAMPLE_LENGTH]
    if resident_id is not None:
        taught = await session.execute(
            sa.select(sa.func.count(LearnedExample.id)).where(
                LearnedExample.resident_id == resident_id
            )
        )
        if taught.scalar_one() >= MAX_EXAMPLES_PER_RESIDENT:
            return None
    exists = await session.execute(
        sa.select(LearnedExample.id).where(
            LearnedExample.intent_code == intent_code,
            LearnedExample.language == language,
            LearnedExample.normalised_text == key,
        )
    )
    if exists.first() is not None:
        return None
    example = LearnedExample(
        intent_code=intent_code,
        language=language,
        text=text,
        normalised_text=key,
        source=source,
        ticket_id=ticket_id,
        resident_id=resident_id,
        staff_id=staff_id,
    )
    session.add(example)
    await session.flush()
    return example


async def list_examples(
    session: AsyncSession,
    actor: Actor,
    *,
    intent_code: str | None = None,
    language: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[LearnedExample], int]:
    require(actor, Capability.REVIEW_LEARNED_EXAMPLES)
    statement = sa.select(LearnedExample)
    if intent_code:
        statement = statement.where(LearnedExample.intent_code == intent_code)
    if language:
        statement = statement.where(LearnedExample.language == language)
    total = (
        await session.execute(sa.select(sa.func.count()).select_from(statement.subquery()))
    ).scalar_one()
    rows = await session.execute(
        statement.order_by(LearnedExample.id.desc()).limit(limit).offset(offset)
    )
    return list(rows.scalars()), int(total)


async def remove_example(session: AsyncSession, actor: Actor, example_id: int) -> None:
    require(actor, Capability.REVIEW_LEARNED_EXAMPLES)
    example = await session.get(LearnedExample, example_id)
    if example is None:
        raise NotFound("learned example not found", example_id=example_id)
    await session.delete(example)
    await session.flush()


class MatcherStore:
    """One matcher per process, kept in step with the learned examples in the database.

    `refresh` is cheap when nothing changed (one small query); new examples are added to the
    index in place; a removal rebuilds it (under a second) so that nothing removed lingers.

    Emergencies are also checked against the catalog alone: learned examples come from residents
    and caseworkers without review, and no number of them may talk the matcher out of seeing a
    fire.
    """

    def __init__(self, catalog: Catalog, tuning: Tuning | None = None) -> None:
        self.catalog = catalog
        self.tuning = tuning
        self.base = Matcher(catalog, tuning=tuning)
        self.matcher = self.base
        self._seen: set[int] = set()
        self._lock = threading.Lock()

    def match(self, text: str) -> MatchResult:
        result = self.matcher.match(text)
        if self.matcher is self.base or result.intent == EMERGENCY_INTENT:
            return result
        catalog_only = self.base.match(text)
        return catalog_only if catalog_only.intent == EMERGENCY_INTENT else result

    async def refresh(self, session: AsyncSession) -> Matcher:
        state = (
            await session.execute(
                sa.select(sa.func.count(LearnedExample.id), sa.func.max(LearnedExample.id))
            )
        ).one()
        count, newest = int(state[0]), state[1]
        if count == len(self._seen) and newest == max(self._seen, default=None):
            return self.matcher
        rows = list(
            (
                await session.execute(
                    sa.select(
                        LearnedExample.id,
                        LearnedExample.intent_code,
                        LearnedExample.language,
                        LearnedExample.text,
                    )
                )
            ).all()
        )
        ids = {row.id for row in rows}
        documents = {
            row.id: Document(row.intent_code, row.language, row.text)
            for row in rows
            if self.catalog.get(row.intent_code) is not None
        }
        with self._lock:
            if self.matcher is not self.base and self._seen <= ids:
                for example_id in sorted(ids - self._seen):
                    if example_id in documents:
                        document = documents[example_id]
                        self.matcher.learn(document.intent, document.language, document.text)
            elif documents:
                self.matcher = Matcher(self.catalog, documents.values(), tuning=self.tuning)
            else:
                self.matcher = self.base
            self._seen = ids
        logger.info("matcher now knows %d learned example(s)", len(ids))
        return self.matcher
