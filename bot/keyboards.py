"""Inline and reply keyboards. Callback data are CallbackData classes, never hand-built strings."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from bot.i18n import Texts
from core.i18n import SUPPORTED_LOCALES, language_name


class Consent(CallbackData, prefix="consent"):
    agree: bool


class PickLanguage(CallbackData, prefix="lang"):
    locale: str


class PickIntent(CallbackData, prefix="intent"):
    code: str
    learn: bool = False  # the resident corrected or chose after an unsure match
    rid: str = ""  # the report this button belongs to (see `Fresh`)


class PickGroup(CallbackData, prefix="group"):
    code: str


class Step(CallbackData, prefix="step"):
    """Buttons inside a report: yes/other/skip/submit/cancel/triage/..."""

    action: str
    rid: str = ""


class PickDistrict(CallbackData, prefix="district"):
    code: str
    rid: str = ""


class PickOption(CallbackData, prefix="option"):
    index: int  # the option's position in the current attribute
    attribute: int = 0  # which attribute it answers
    rid: str = ""


class Duplicate(CallbackData, prefix="dup"):
    ticket_id: int = Field(ge=1, le=2**63 - 1)
    follow: bool
    rid: str = ""


class TicketView(CallbackData, prefix="ticket"):
    ticket_id: int = Field(ge=1, le=2**63 - 1)  # forged data must not overflow a query
    action: str = "show"  # show | write | withdraw | withdraw_confirmed


class Rate(CallbackData, prefix="rate"):
    """ "Was it fixed?": the answer first, then a score (-1: not asked yet, 0: skipped)."""

    ticket_id: int = Field(ge=1, le=2**63 - 1)
    answer: str  # a RatingAnswer value
    score: int = Field(default=-1, ge=-1, le=5)


class ShowOriginal(CallbackData, prefix="original"):
    """A machine-translated update: show what the caseworker actually wrote."""

    outbox_id: int = Field(ge=1, le=2**63 - 1)


class Helpful(CallbackData, prefix="helpful"):
    yes: bool


class Forget(CallbackData, prefix="forget"):
    confirmed: bool


def menu_labels(t: Texts) -> dict[str, str]:
    """The main menu's buttons, by action: the labels residents tap (and we recognise)."""
    _ = t._
    return {
        "report": _("📝 Report a problem"),
        "tickets": _("📋 My requests"),
        "question": _("❓ Ask a question"),
        "language": _("🌐 Language"),
        "help": _("🔒 Privacy and help"),
    }


def main_menu(t: Texts) -> ReplyKeyboardMarkup:
    labels = menu_labels(t)
    rows = [
        [labels["report"], labels["tickets"]],
        [labels["question"], labels["language"]],
        [labels["help"]],
    ]
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=label) for label in row] for row in rows],
        resize_keyboard=True,
        is_persistent=True,
    )


def consent_keyboard(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t._("✅ I agree"), callback_data=Consent(agree=True))
    builder.button(text=t._("❌ No, thanks"), callback_data=Consent(agree=False))
    return builder.as_markup()


def languages_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for locale in SUPPORTED_LOCALES:
        builder.button(text=language_name(locale), callback_data=PickLanguage(locale=locale))
    builder.adjust(2)
    return builder.as_markup()


def buttons(rows: list[list[tuple[str, CallbackData]]]) -> InlineKeyboardMarkup:
    """Rows of (label, callback data) as an inline keyboard."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data.pack()) for text, data in row]
            for row in rows
        ]
    )


def location_keyboard(t: Texts, optional: bool) -> ReplyKeyboardMarkup:
    row = [KeyboardButton(text=t._("📍 Share my location"), request_location=True)]
    if optional:
        row.append(KeyboardButton(text=t._("⏭ Skip")))
    return ReplyKeyboardMarkup(
        keyboard=[row, [KeyboardButton(text=t._("❌ Cancel"))]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
