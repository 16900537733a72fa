"""The Telegram implementation of core's Notifier port: an outbox row becomes a chat message.

Rendering happens here, at send time, in the resident's language, with the buttons that let them
answer. The Bot API's failures are mapped onto what the delivery loop should do about them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup

from bot.i18n import Texts
from bot.keyboards import Rate, ShowOriginal, TicketView, buttons
from core.i18n import SUPPORTED_LOCALES
from core.intents.catalog import Catalog
from core.notifications.ports import (
    Notice,
    PermanentFailure,
    Receipt,
    RecipientUnreachable,
    RetryLater,
    TemporaryFailure,
)
from core.notifications.templates import Template
from core.tickets.models import RatingAnswer
from core.tickets.status import TicketStatus

TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CAPTION_LIMIT = 1024
SEND_TIMEOUT_SECONDS = 20
GONE_MARKERS = ("chat not found", "user is deactivated", "bot was blocked", "bot was kicked")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def _status_line(t: Texts, status: TicketStatus, reference: str, service: str) -> str:
    lines = {
        TicketStatus.ACKNOWLEDGED: t._(
            "Your request {reference} ({service}) has been seen by staff."
        ),
        TicketStatus.IN_PROGRESS: t._("Work has started on your request {reference} ({service})."),
        TicketStatus.WAITING_ON_RESIDENT: t._(
            "Your request {reference} ({service}) is waiting for your answer."
        ),
        TicketStatus.RESOLVED: t._("Your request {reference} ({service}) has been resolved."),
        TicketStatus.CLOSED: t._("Your request {reference} ({service}) is closed."),
        TicketStatus.REOPENED: t._(
            "Your request {reference} ({service}) has been reopened; we are working on it again."
        ),
        TicketStatus.REJECTED: t._("Your request {reference} ({service}) was not accepted."),
        TicketStatus.DUPLICATE: t._(
            "Your request {reference} ({service}) reports a problem we already know about; "
            "we merged it with the earlier report."
        ),
    }
    template = lines.get(status, t._("Your request {reference} ({service}) is now: {status}."))
    return template.format(reference=reference, service=service, status=t.status(status))


def was_it_fixed_buttons(t: Texts, ticket_id: int) -> InlineKeyboardMarkup:
    return buttons(
        [
            [
                (t._("👍 Yes"), Rate(ticket_id=ticket_id, answer=RatingAnswer.YES.value)),
                (t._("🤏 Partly"), Rate(ticket_id=ticket_id, answer=RatingAnswer.PARTLY.value)),
                (t._("👎 No"), Rate(ticket_id=ticket_id, answer=RatingAnswer.NO.value)),
            ]
        ]
    )


def _keyboard(*rows: list[tuple[str, CallbackData]]) -> InlineKeyboardMarkup | None:
    present = [row for row in rows if row]
    return buttons(present) if present else None


def render(t: Texts, notice: Notice) -> tuple[str, InlineKeyboardMarkup | None]:
    """The message text (Telegram HTML) and its buttons."""
    params = notice.params
    reference = f"<b>{t.isolate(params.get('reference', ''))}</b>"
    service = t.escape(t.intent_name(str(params.get("intent", ""))))
    words = notice.translated_text or notice.text
    body = t.escape(words) if words else ""
    if notice.translated_text:
        body += "\n<i>" + t.escape(t._("(translated automatically)")) + "</i>"
    ticket_id = notice.ticket_id
    view = [(t._("📄 See the request"), TicketView(ticket_id=ticket_id))] if ticket_id else []
    reply = (
        [(t._("✍️ Reply"), TicketView(ticket_id=ticket_id, action="write"))]
        if ticket_id and notice.to_reporter
        else []
    )
    original = (
        [(t._("🔤 Show the original"), ShowOriginal(outbox_id=notice.outbox_id))]
        if notice.translated_text
        else []
    )
    markup: InlineKeyboardMarkup | None = None
    if notice.template == Template.REPLY:
        head = t._("💬 A message from the city about your request {reference}:").format(
            reference=reference
        )
        markup = _keyboard(reply + view, original)
        hint = t._("You can answer by replying to this message.") if notice.to_reporter else ""
        parts = [head, body, hint]
    elif notice.template == Template.INFO_REQUESTED:
        head = t._("❓ The city needs more information about your request {reference}:").format(
            reference=reference
        )
        hint = t._("Please answer by replying to this message, or tap Reply.")
        markup = _keyboard(reply + view, original)
        parts = [head, body, hint]
    elif notice.template == Template.RATING_REMINDER:
        head = t._("Was your request {reference} ({service}) fixed? One tap tells us.").format(
            reference=reference, service=service
        )
        markup = was_it_fixed_buttons(t, ticket_id) if ticket_id else None
        parts = [head]
    else:
        status = TicketStatus(params.get("status", TicketStatus.NEW.value))
        head = "🔔 " + _status_line(t, status, reference, service)
        label = t._("Reason:") if status is TicketStatus.REJECTED else t._("Note from the city:")
        parts = [head, f"{label} {body}" if body else ""]
        if status is TicketStatus.DUPLICATE and params.get("original") and not notice.text:
            parts.append(
                t._("The earlier report is {original}.").format(
                    original=f"<b>{t.isolate(params['original'])}</b>"
                )
            )
        if status is TicketStatus.RESOLVED and notice.to_reporter and ticket_id:
            parts.append(t._("Was it fixed?"))
            markup = was_it_fixed_buttons(t, ticket_id)
        elif view or original:
            markup = _keyboard(view, original)
    text = "\n\n".join(part for part in parts if part)
    return t.finish(_clip(text, TELEGRAM_TEXT_LIMIT - 2)), markup


@contextlib.contextmanager
def bot_api_failures() -> Iterator[None]:
    """The Bot API's failures, as what the delivery loop should do about them."""
    try:
        yield
    except TelegramRetryAfter as exc:
        raise RetryLater(float(exc.retry_after), exc.message) from exc
    except TelegramForbiddenError as exc:
        raise RecipientUnreachable(exc.message) from exc
    except TelegramBadRequest as exc:
        if any(marker in exc.message.lower() for marker in GONE_MARKERS):
            raise RecipientUnreachable(exc.message) from exc
        raise PermanentFailure(exc.message) from exc
    except (TelegramNetworkError, TelegramServerError) as exc:
        raise TemporaryFailure(exc.message) from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc


class TelegramNotifier:
    def __init__(self, bot: Bot, catalog: Catalog, timezone: ZoneInfo, default_locale: str) -> None:
        self.bot = bot
        self.catalog = catalog
        self.timezone = timezone
        self.default_locale = default_locale

    async def send(self, notice: Notice) -> Receipt:
        locale = notice.locale if notice.locale in SUPPORTED_LOCALES else self.default_locale
        text, markup = render(Texts(locale, self.timezone, self.catalog), notice)
        with bot_api_failures():
            sent = await self.bot.send_message(
                notice.chat_id,
                text,
                reply_markup=markup,
                request_timeout=SEND_TIMEOUT_SECONDS,
            )
        return Receipt(external_id=sent.message_id)

    async def send_photo(self, chat_id: int, photo: bytes, caption: str) -> Receipt:
        """A staff member's digest: its main chart with a short summary (core's StaffChat)."""
        with bot_api_failures():
            sent = await self.bot.send_photo(
                chat_id,
                BufferedInputFile(photo, filename="digest.png"),
                caption=_clip(caption, TELEGRAM_CAPTION_LIMIT),
                parse_mode=None,  # plain text: a partner named "A & <B>" must not break it
                request_timeout=SEND_TIMEOUT_SECONDS,
            )
        return Receipt(external_id=sent.message_id)
