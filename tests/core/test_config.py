import datetime as dt

import pytest
from pydantic import ValidationError

from core.config import PLACEHOLDER_SECRET, Settings
from tests.conftest import make_settings


def test_defaults_run_on_sqlite_without_any_configuration() -> None:
    settings = make_settings()
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.effective_database_url.endswith("/data/civicdesk.db")
    assert settings.bot_token is None
    assert settings.secret_key.get_secret_value() == PLACEHOLDER_SECRET


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVICDESK_DATABASE_URL", "postgresql+asyncpg://db/civic")
    monkeypatch.setenv("CIVICDESK_TIMEZONE", "Europe/Kyiv")
    monkeypatch.setenv("CIVICDESK_SMTP__PORT", "587")
    monkeypatch.setenv("CIVICDESK_SMTP__SECURITY", "starttls")
    monkeypatch.setenv("CIVICDESK_WORKHOURS__DAYS", "mon,tue,wed,thu,fri,sat")
    monkeypatch.setenv("CIVICDESK_WORKHOURS__HOLIDAYS", "2026-12-25, 2027-01-01")
    monkeypatch.setenv("CIVICDESK_BOT_TOKEN", "123:abc")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.effective_database_url == "postgresql+asyncpg://db/civic"
    assert settings.tz.key == "Europe/Kyiv"
    assert settings.smtp.port == 587 and settings.smtp.security == "starttls"
    assert settings.workhours.weekday_numbers == frozenset(range(6))
    assert settings.workhours.holidays == [dt.date(2026, 12, 25), dt.date(2027, 1, 1)]
    assert settings.bot_token is not None and settings.bot_token.get_secret_value() == "123:abc"
    assert "123:abc" not in repr(settings)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus", "unknown timezone"),
        ("default_locale", "xx", "unsupported locale"),
        ("workhours", {"days": ["funday"]}, "unknown weekday"),
        ("workhours", {"start": "18:00", "end": "09:00"}, "start must be before end"),
    ],
)
def test_bad_values_are_explained(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_settings(**{field: value})


def test_production_refuses_the_placeholder_secret() -> None:
    with pytest.raises(ValidationError, match="CIVICDESK_SECRET_KEY must be set"):
        make_settings(environment="production")
    with pytest.raises(ValidationError, match="at least 32"):
        make_settings(environment="production", secret_key="short")
    settings = make_settings(environment="production", secret_key="x" * 40)
    assert settings.is_production


def test_production_webhook_needs_its_secret() -> None:
    with pytest.raises(ValidationError, match="CIVICDESK_WEBHOOK_SECRET"):
        make_settings(environment="production", secret_key="x" * 40, webhook_url="https://x/y")


def test_an_empty_metrics_token_is_no_token() -> None:
    # An empty token would let anyone in with "Bearer " and nothing after it.
    assert make_settings(metrics_token="").metrics_token is None
    assert make_settings(metrics_token="s3cret-token").metrics_token is not None
