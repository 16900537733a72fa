"""Reading GeoReport v2 parameters as the specification defines them.

Parameters arrive as text (a query string or a form body). An empty parameter is treated as
absent, lists are comma separated, dates are W3C datetimes; anything malformed is a
ValidationFailed, which the API answers with a 400 (never a 500).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.errors import ValidationFailed
from core.tickets.reference import normalise_reference

Params = Mapping[str, Sequence[str]]

# The specification's defaults for GET requests: the last 90 days, at most 1,000 requests.
MAX_RANGE = dt.timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_PAGE = 1_000_000
MAX_LIST_ITEMS = 1000
STATUS_VALUES = ("open", "closed")
ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def value(params: Params, name: str) -> str | None:
    """The parameter's last value, stripped; None when missing or empty."""
    values = [item.strip() for item in params.get(name, ()) if item.strip()]
    return values[-1] if values else None


def listed(params: Params, name: str) -> list[str] | None:
    """A comma-separated list (the parameter may also be repeated); None when absent."""
    items = [
        part.strip() for item in params.get(name, ()) for part in item.split(",") if part.strip()
    ]
    if len(items) > MAX_LIST_ITEMS:
        raise ValidationFailed(f"{name} lists at most {MAX_LIST_ITEMS} values", field=name)
    return items or None


def parse_datetime(text: str, name: str) -> dt.datetime:
    """A W3C datetime (`2010-01-01T00:00:00Z`, `...+02:00`, or a date); UTC when no zone."""
    # A "+" in an unencoded query string arrives as a space.
    candidate = text.replace(" ", "+") if "T" in text else text
    try:
        moment = dt.datetime.fromisoformat(candidate)
    except ValueError as exc:
        raise ValidationFailed(
            f"{name} must be a W3C datetime such as 2010-01-01T00:00:00Z", field=name
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _integer(params: Params, name: str, default: int, largest: int) -> int:
    text = value(params, name)
    if text is None:
        return default
    if not text.isdecimal() or not 1 <= int(text) <= largest:
        raise ValidationFailed(f"{name} must be a whole number from 1 to {largest}", field=name)
    return int(text)


@dataclass(frozen=True)
class RequestFilter:
    """GET requests: either given ids (which override every other filter) or a window."""

    references: list[str] | None
    service_codes: list[str] | None
    statuses: list[str] | None
    start: dt.datetime | None
    end: dt.datetime | None
    page: int
    page_size: int

    @classmethod
    def parse(cls, params: Params, now: dt.datetime) -> RequestFilter:
        page = _integer(params, "page", 1, MAX_PAGE)
        page_size = _integer(params, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
        ids = listed(params, "service_request_id")
        if ids is not None:
            # Anything that cannot be one of our references matches nothing (not an error:
            # the spec asks for the requests that exist among those named).
            references = [ref for ref in map(normalise_reference, ids) if ref is not None]
            return cls(references, None, None, None, None, page, page_size)
        statuses = listed(params, "status")
        for status in statuses or ():
            if status not in STATUS_VALUES:
                raise ValidationFailed("status must be open or closed", field="status")
        start_text, end_text = value(params, "start_date"), value(params, "end_date")
        start = parse_datetime(start_text, "start_date") if start_text else None
        end = parse_datetime(end_text, "end_date") if end_text else None
        try:
            if start is None:
                end = end or now
                start = end - MAX_RANGE
            elif end is None:
                end = start + MAX_RANGE
        except OverflowError as exc:  # 90 days before year 1 or after year 9999
            raise ValidationFailed("the dates are out of range", field="start_date") from exc
        if end < start:
            raise ValidationFailed("end_date is before start_date", field="end_date")
        if end - start > MAX_RANGE:
            raise ValidationFailed(
                "start_date to end_date may span at most 90 days", field="end_date"
            )
        return cls(None, listed(params, "service_code"), statuses, start, end, page, page_size)


@dataclass(frozen=True)
class Submission:
    """POST requests: what the desk keeps of a client's request.

    Contact details (email, first_name, last_name, phone, device_id, account_id) are accepted
    and dropped: the desk answers residents through its own channels only, and what it never
    stores it can never publish or leak.
    """

    service_code: str | None
    latitude: float | None
    longitude: float | None
    address: str | None
    description: str | None
    media_url: str | None
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def has_location(self) -> bool:
        return self.latitude is not None or self.address is not None

    @classmethod
    def parse(cls, params: Params) -> Submission:
        lat_text, long_text = value(params, "lat"), value(params, "long")
        if (lat_text is None) != (long_text is None):
            raise ValidationFailed("lat and long go together", field="lat")
        latitude = _coordinate(lat_text, "lat", 90) if lat_text else None
        longitude = _coordinate(long_text, "long", 180) if long_text else None
        attributes: dict[str, Any] = {}
        for name, values in params.items():
            match = ATTRIBUTE.match(name)
            items = [item.strip() for item in values if item.strip()]
            if match and items:
                many = match.group(2) is not None or len(items) > 1
                attributes[match.group(1)] = items if many else items[0]
        return cls(
            service_code=value(params, "service_code"),
            latitude=latitude,
            longitude=longitude,
            address=value(params, "address_string"),
            description=value(params, "description"),
            media_url=value(params, "media_url"),
            attributes=attributes,
        )


def _coordinate(text: str | None, name: str, limit: float) -> float:
    try:
        number = float(text or "")
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > limit:
        raise ValidationFailed(f"{name} must be a number from -{limit:g} to {limit:g}", field=name)
    return number
