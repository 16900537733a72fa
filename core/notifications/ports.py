"""What the delivery loop needs from a channel: the Notifier port and the ways a send can fail.

The Telegram implementation lives in `bot/notifier.py`; it renders a `Notice` in the recipient's
language and maps the Bot API's answers onto the exceptions below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Notice:
    """One outbox row, with what rendering it needs."""

    outbox_id: int
    chat_id: int
    locale: str
    template: str
    params: dict[str, Any] = field(default_factory=dict)
    text: str | None = None  # a caseworker's words, sent as written
    ticket_id: int | None = None
    to_reporter: bool = False  # only the reporter converses and rates; followers get updates
    translated_text: str | None = None  # `text` machine-translated into `locale`, when it was


@dataclass(frozen=True)
class Receipt:
    external_id: int | None  # the channel's id for the delivered message


class Notifier(Protocol):
    async def send(self, notice: Notice) -> Receipt: ...


class DeliveryError(Exception):
    """A send did not happen; the subclass says what to do about it."""


class RetryLater(DeliveryError):
    """The channel asks us to slow down (Telegram's 429): wait `retry_after` seconds."""

    def __init__(self, retry_after: float, detail: str = "") -> None:
        super().__init__(detail or f"rate limited, retry after {retry_after} s")
        self.retry_after = retry_after


class RecipientUnreachable(DeliveryError):
    """The recipient blocked the bot or no longer exists (Telegram's 403); never retried."""


class TemporaryFailure(DeliveryError):
    """Network trouble or a server error: retried with backoff, up to a limit."""


class PermanentFailure(DeliveryError):
    """The channel refused the message itself (Telegram's 400); retrying cannot help."""


class Translator(Protocol):
    """Machine translation (a LibreTranslate-compatible server); `source` may be "auto"."""

    async def translate(self, text: str, source: str, target: str) -> str: ...
