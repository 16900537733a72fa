"""Open311 parameters as the specification reads them, and API keys."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import StaffActor
from core.errors import Forbidden, ValidationFailed
from core.open311 import keys
from core.open311.params import RequestFilter, Submission, parse_datetime
from core.staff.models import Role
from tests.factories import SYSTEM

NOW = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)


def test_w3c_datetimes() -> None:
    assert parse_datetime("2026-11-01T10:00:00Z", "x") == dt.datetime(
        2026, 11, 1, 10, tzinfo=dt.UTC
    )
    # An unencoded "+" arrives as a space; a date alone is midnight UTC.
    assert parse_datetime("2026-11-01T12:00:00 02:00", "x").hour == 10
    assert parse_datetime("2026-11-01", "x") == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with pytest.raises(ValidationFailed):
        parse_datetime("last tuesday", "start_date")


def test_request_filter_defaults_and_lists() -> None:
    default = RequestFilter.parse({}, NOW)
    assert (default.start, default.end) == (NOW - dt.timedelta(days=90), NOW)
    assert (default.page, default.page_size) == (1, 1000)
    lists = RequestFilter.parse({"service_code": ["a,b", "c"], "status": ["open,"]}, NOW)
    assert lists.service_codes == ["a", "b", "c"] and lists.statuses == ["open"]
    ids = RequestFilter.parse({"service_request_id": ["7kq m4x2,bogus"], "status": ["x"]}, NOW)
    assert ids.start is None and ids.statuses is None  # ids override every other filter
    for bad in ({"page": ["0"]}, {"page_size": ["1e3"]}, {"status": ["pending"]}):
        with pytest.raises(ValidationFailed):
            RequestFilter.parse(bad, NOW)


def test_submission_attributes_and_empty_fields() -> None:
    submission = Submission.parse(
        {
            "service_code": ["pothole"],
            "lat": [""],
            "long": [""],
            "address_string": ["  "],
            "attribute[size]": ["large"],
            "attribute[waste_type][]": ["recycling"],
            "attribute[empty]": [""],
            "email": ["someone@example.org"],
        }
    )
    assert submission.attributes == {"size": "large", "waste_type": ["recycling"]}
    assert not submission.has_location
    assert "someone@example.org" not in repr(submission)  # contact details are not kept
    with pytest.raises(ValidationFailed):
        Submission.parse({"lat": ["nan"], "long": ["8"]})


async def test_keys_are_stored_hashed_and_revocable(session: AsyncSession) -> None:
    key, secret = await keys.create_key(session, SYSTEM, "app")
    assert secret.startswith("o311_") and secret not in (key.key_hash, key.prefix)
    assert await keys.key_for_secret(session, secret) is key and key.last_used_at is not None
    assert await keys.key_for_secret(session, secret + "x") is None
    assert await keys.key_for_secret(session, None) is None
    await keys.revoke_key(session, SYSTEM, key.id)
    assert await keys.key_for_secret(session, secret) is None
    with pytest.raises(Forbidden):
        await keys.create_key(session, StaffActor(1, Role.CASEWORKER, 1), "mine")
