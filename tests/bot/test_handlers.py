"""Handlers fed real updates through the real dispatcher, with a recording session (no HTTP)."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update

from bot.app import create_dispatcher
from core import migrate
from core.db import create_engine, create_session_factory
from core.i18n import SUPPORTED_LOCALES, translations
from core.intents.catalog import Catalog
from core.services import Services
from tests.bot.recording import RecordingSession
from tests.conftest import make_settings

_updates = itertools.count(1)


@pytest.fixture
async def harness(
    tmp_path: Path, catalog: Catalog
) -> AsyncIterator[tuple[Dispatcher, Bot, RecordingSession]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'handlers.db'}"
    services = Services.build(make_settings(database_url=url, emergency_number="112"), catalog)
    engine = create_engine(url)
    await migrate.upgrade(engine)
    session = RecordingSession()
    bot = Bot("42:RECORDING", session=session)
    yield create_dispatcher(services, create_session_factory(engine)), bot, session
    await engine.dispose()


def message(text: str, language: str, user_id: int = 5) -> dict[str, Any]:
    update: dict[str, Any] = {
        "update_id": next(_updates),
        "message": {
            "message_id": next(_updates),
            "date": int(time.time()),
            "text": text,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "R", "language_code": language},
        },
    }
    if text.startswith("/"):
        update["message"]["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        ]
    return update


async def feed(
    harness: tuple[Dispatcher, Bot, RecordingSession], update: dict[str, Any]
) -> list[str]:
    dispatcher, bot, session = harness
    before = len(session.texts())
    await dispatcher.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
    return session.texts()[before:]


@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
async def test_start_greets_in_telegrams_language(harness: Any, language: str) -> None:
    [greeting] = await feed(harness, message("/start", language))
    expected = translations(language).gettext("Do you agree?")
    assert expected in greeting


@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
async def test_an_emergency_gets_the_number_in_every_language(harness: Any, language: str) -> None:
    texts = {
        "en": "fire in my building",
        "es": "hay un incendio en mi edificio",
        "fr": "il y a le feu chez moi",
        "de": "es brennt im Haus",
        "pt": "tem um incêndio no prédio",
        "uk": "пожежа в будинку",
        "ru": "пожар в доме",
        "ar": "حريق في العمارة",
        "tr": "binada yangın var",
        "zh": "楼里着火了",
    }
    [reply] = await feed(harness, message(texts[language], language))
    assert "112" in reply


async def test_a_repeated_update_is_handled_once(harness: Any) -> None:
    update = message("/start", "en")
    assert len(await feed(harness, update)) == 1
    assert await feed(harness, update) == []


async def test_unsupported_telegram_language_falls_back_to_the_default(harness: Any) -> None:
    [greeting] = await feed(harness, message("/start", "sw"))
    assert "Do you agree?" in greeting
