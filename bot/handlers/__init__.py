"""The bot's routers, in the order aiogram tries them."""

from aiogram import Router

from bot.handlers import data, followup, media, report, start, text, tickets


def routers() -> list[Router]:
    # Commands and buttons first, then the steps of a report, then free text, then anything else.
    return [
        module.router.build() for module in (start, data, tickets, followup, report, text, media)
    ]
