"""Handlers declared once at import, registered on a fresh Router for every dispatcher.

aiogram attaches a Router to one dispatcher only; tests and benchmarks build several
dispatchers in one process (e.g. to restart the bot), so modules record their handlers here and
`build()` makes the routers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router

Handler = Callable[..., Any]


class Routes:
    def __init__(self, name: str) -> None:
        self.name = name
        self._registrations: list[tuple[str, Handler, tuple[Any, ...], dict[str, Any]]] = []

    def _observer(self, observer: str) -> Callable[..., Callable[[Handler], Handler]]:
        def decorator_factory(*filters: Any, **kwargs: Any) -> Callable[[Handler], Handler]:
            def decorator(handler: Handler) -> Handler:
                self._registrations.append((observer, handler, filters, kwargs))
                return handler

            return decorator

        return decorator_factory

    @property
    def message(self) -> Callable[..., Callable[[Handler], Handler]]:
        return self._observer("message")

    @property
    def edited_message(self) -> Callable[..., Callable[[Handler], Handler]]:
        return self._observer("edited_message")

    @property
    def callback_query(self) -> Callable[..., Callable[[Handler], Handler]]:
        return self._observer("callback_query")

    @property
    def errors(self) -> Callable[..., Callable[[Handler], Handler]]:
        return self._observer("errors")

    def build(self) -> Router:
        router = Router(name=self.name)
        for observer, handler, filters, kwargs in self._registrations:
            getattr(router, observer).register(handler, *filters, **kwargs)
        return router
