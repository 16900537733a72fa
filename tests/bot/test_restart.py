"""With Redis, a bot restarted in the middle of a report continues where the resident was."""

from pathlib import Path

import sqlalchemy as sa
from redis.asyncio import Redis

from core.intents.catalog import Catalog
from core.tickets.models import Ticket
from tests.bot.conftest import button, buttons_of, consent, resident, running_bot
from tests.factories import NORTH
from tests.services_available import REDIS_URL, need


async def test_restart_in_the_middle_of_a_report_loses_nothing(
    tmp_path: Path, catalog: Catalog
) -> None:
    need("redis")
    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()
    try:
        async with running_bot(
            "postgresql", tmp_path, catalog, redis=redis, redis_url=REDIS_URL
        ) as env:
            user = resident(50, "uk")
            await consent(env.stub, user)
            [question] = await env.stub.say(user, "на дорозі величезна яма, колесо пробив")
            await env.stub.press(user, question, button(question, "✅"), expect=3)  # asks where

            await env.stop_bot()  # the process goes away...
            await env.start_bot()  # ...and a new one starts, with nothing in memory

            replies = await env.stub.send_location(user, *NORTH, expect=2)
            while "⏭" in "".join(buttons_of(replies[-1])):
                replies = await env.stub.press(
                    user, replies[-1], button(replies[-1], "⏭"), expect=2
                )
            await env.stub.press(user, replies[-1], button(replies[-1], "✅"), expect=2)
            ticket = (await env.rows(sa.select(Ticket)))[0]
            assert ticket.intent_code == "pothole" and ticket.district == "north"
            assert ticket.description == "на дорозі величезна яма, колесо пробив"
    finally:
        await redis.flushdb()
        await redis.aclose()
