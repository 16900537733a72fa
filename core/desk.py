"""The desk's fixed context: catalog, districts, work calendar and policies, built once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.config import Settings
from core.geo.districts import DistrictMap
from core.intents.catalog import Catalog, Intent, Targets
from core.intents.loader import load_catalog
from core.tickets.worktime import WorkCalendar


@dataclass(frozen=True)
class DeskContext:
    catalog: Catalog
    calendar: WorkCalendar
    districts: DistrictMap
    reopen_window: dt.timedelta
    default_targets: Targets

    @classmethod
    def from_settings(cls, settings: Settings, catalog: Catalog | None = None) -> DeskContext:
        return cls(
            catalog=catalog if catalog is not None else load_catalog(settings.catalog_dir),
            calendar=WorkCalendar.from_settings(settings),
            districts=DistrictMap.load(settings.districts_file),
            reopen_window=dt.timedelta(days=settings.reopen_window_days),
            default_targets=Targets(
                settings.default_first_response_hours, settings.default_resolution_hours
            ),
        )

    def targets_for(self, intent: Intent | None) -> Targets:
        return intent.targets if intent is not None and intent.targets else self.default_targets
