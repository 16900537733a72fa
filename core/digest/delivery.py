"""Rendering a queued digest for its recipient, for the staff delivery loop (notifications.mail).

Charts carry no words, so one set per week and scope serves every language: they are drawn once
(in a thread, away from the event loop) and kept while that week's digests go out.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.digest.charts import render_charts
from core.digest.render import RenderedDigest, digest_mail, render_digest
from core.digest.service import digest_for
from core.digest.weeks import Week
from core.i18n import SUPPORTED_LOCALES
from core.intents.catalog import Catalog
from core.notifications.models import Outbox
from core.notifications.ports import PermanentFailure
from core.staff.models import Staff

CHART_SETS_KEPT = 64  # a week's scopes: the city and each partner
MAIN_CHART = "volume"


class DigestRenderer:
    def __init__(
        self, catalog: Catalog, city_name: str, public_url: str, timezone: ZoneInfo
    ) -> None:
        self.catalog = catalog
        self.city_name = city_name
        self.public_url = public_url
        self.timezone = timezone
        self._charts: OrderedDict[tuple[str, str], dict[str, bytes]] = OrderedDict()

    async def charts(self, week: str, scope: str, figures: dict[str, Any]) -> dict[str, bytes]:
        key = (week, scope)
        if key not in self._charts:
            self._charts[key] = await asyncio.to_thread(render_charts, figures)
            while len(self._charts) > CHART_SETS_KEPT:
                self._charts.popitem(last=False)
        self._charts.move_to_end(key)
        return self._charts[key]

    async def render(
        self,
        session: AsyncSession,
        week: Week,
        scope: str,
        locale: str,
        image_src: Callable[[str], str] | None = None,
    ) -> RenderedDigest:
        figures = await digest_for(session, week, scope, self.timezone)
        extra = {"image_src": image_src} if image_src is not None else {}
        return render_digest(
            figures,
            locale if locale in SUPPORTED_LOCALES else "en",
            city_name=self.city_name,
            public_url=self.public_url,
            timezone=self.timezone,
            catalog=self.catalog,
            charts=await self.charts(str(week), scope, figures),
            **extra,
        )

    async def render_row(self, session: AsyncSession, row: Outbox, member: Staff) -> RenderedDigest:
        params = row.params or {}
        try:
            week, scope = Week.parse(str(params["week"])), str(params["scope"])
        except (KeyError, ValueError) as exc:
            raise PermanentFailure(f"a digest row without a valid week and scope: {exc}") from exc
        return await self.render(session, week, scope, member.locale)

    async def mail(
        self, session: AsyncSession, row: Outbox, member: Staff, sender: str
    ) -> EmailMessage:
        return digest_mail(await self.render_row(session, row, member), sender, member.email)

    async def telegram(
        self, session: AsyncSession, row: Outbox, member: Staff
    ) -> tuple[bytes, str]:
        rendered = await self.render_row(session, row, member)
        return rendered.images[MAIN_CHART], rendered.summary
