"""A stand-in for the Telegram Bot API, on loopback, for tests and benchmarks."""

from tests.botapi.objects import FakeUser
from tests.botapi.server import BotApiStub

__all__ = ["BotApiStub", "FakeUser"]
