"""The bot's routers, in the order aiogram tries them."""

from aiogram import Router

from bot.handlers import data, followup, media, report, staff_link, start, text, tickets


def routers() -> list[Router]:
    # Commands and buttons first, then the steps of a report, then free text, then anything else.
    modules = (start, data, staff_link, tickets, followup, report, text, media)
    return [module.router.build() for module in modules]
