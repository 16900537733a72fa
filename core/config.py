"""All configuration, read from `CIVICDESK_*` environment variables and an optional `.env` file.

Entry points (the CLI, the ASGI factory, tests) build one `Settings` and pass it down; nothing
reads the environment behind their back.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.i18n import SUPPORTED_LOCALES

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG_DIR = PACKAGE_ROOT / "intents"
PLACEHOLDER_SECRET = "dev-only-insecure-secret-key-change-me"  # noqa: S105
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SmtpSecurity(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class SmtpSettings(BaseModel):
    host: str = ""  # empty: no mail is sent (staff notices are cancelled, not queued forever)
    port: int = Field(default=25, ge=1, le=65535)
    username: str | None = None
    password: SecretStr | None = None
    security: SmtpSecurity = SmtpSecurity.NONE
    from_address: str = "civicdesk@localhost"
    timeout_seconds: float = Field(default=30.0, gt=0)


class BotSettings(BaseModel):
    """How the Telegram bot paces residents and remembers conversations."""

    flood_messages: int = Field(default=10, ge=1)  # a resident may send this many messages...
    flood_seconds: float = Field(default=10.0, gt=0)  # ...in this many seconds
    duplicate_radius_m: float = Field(default=75.0, gt=0)  # same problem, same place
    conversation_ttl_hours: float = Field(default=48.0, gt=0)  # unfinished reports expire


class DeliverySettings(BaseModel):
    """How the worker delivers updates: Telegram's limits and how long to keep trying."""

    rate_per_second: float = Field(default=25.0, gt=0, le=1000)  # all workers together
    chat_interval_seconds: float = Field(default=1.0, ge=0)  # between two messages to one chat
    max_attempts: int = Field(default=8, ge=1)  # transient failures before giving up
    backoff_seconds: float = Field(default=5.0, gt=0)  # first retry; doubles each time...
    backoff_max_seconds: float = Field(default=3600.0, gt=0)  # ...up to this
    poll_seconds: float = Field(default=0.2, gt=0, le=10)  # how often an idle worker looks


class DigestSettings(BaseModel):
    """The managers' weekly digest: when it goes out (a cron line in the city's timezone)."""

    enabled: bool = True
    schedule: str = "0 8 * * mon"  # minute hour day-of-month month day-of-week

    @field_validator("schedule")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"not a cron line ({exc}); for example 0 8 * * mon") from exc
        return value


WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class WorkHoursSettings(BaseModel):
    """The city's working calendar: response-time targets count only these hours."""

    start: dt.time = dt.time(8, 0)
    end: dt.time = dt.time(17, 0)
    days: Annotated[list[str], NoDecode] = ["mon", "tue", "wed", "thu", "fri"]
    holidays: Annotated[list[dt.date], NoDecode] = []

    _split_days = field_validator("days", mode="before")(_split_csv)
    _split_holidays = field_validator("holidays", mode="before")(_split_csv)

    @field_validator("days")
    @classmethod
    def _known_days(cls, days: list[str]) -> list[str]:
        normalised = [day.lower()[:3] for day in days]
        unknown = [day for day in normalised if day not in WEEKDAY_NAMES]
        if unknown:
            raise ValueError(f"unknown weekday(s) {unknown}; use {', '.join(WEEKDAY_NAMES)}")
        if not normalised:
            raise ValueError("at least one working day is needed")
        return normalised

    @model_validator(mode="after")
    def _start_before_end(self) -> WorkHoursSettings:
        if self.start >= self.end:
            raise ValueError("workhours start must be before end")
        return self

    @property
    def weekday_numbers(self) -> frozenset[int]:
        return frozenset(WEEKDAY_NAMES.index(day) for day in self.days)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CIVICDESK_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="__",
        # An empty variable means "not set": docker-compose passes the ones .env leaves out as "".
        env_ignore_empty=True,
        extra="ignore",
    )

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("data")
    database_url: str = ""  # empty: a SQLite file in data_dir
    redis_url: str | None = None

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    bot_username: str | None = None  # shown to staff linking Telegram ("@civicdesk_bot")

    secret_key: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    public_url: str = "http://127.0.0.1:8000"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=1, le=65535)
    http_workers: int = Field(default=1, ge=1, le=64)  # processes for `civicdesk api`
    # /metrics: without a token, only this machine (loopback) may read it
    metrics_token: SecretStr | None = None

    timezone: str = "UTC"
    default_locale: str = "en"
    emergency_number: str = "112"
    city_name: str = "Riverton"
    catalog_dir: Path = DEFAULT_CATALOG_DIR
    districts_file: Path | None = None
    # The licence of the public dashboard's open data downloads (shown with the data schema).
    open_data_licence: str = "CC BY 4.0"
    open_data_licence_url: str = "https://creativecommons.org/licenses/by/4.0/"

    reopen_window_days: int = Field(default=14, ge=0)
    auto_close_days: int = Field(default=7, ge=1)
    rating_reminder_days: int = Field(default=3, ge=1)  # "was it fixed?" asked once more
    default_first_response_hours: float = Field(default=16, gt=0)
    default_resolution_hours: float = Field(default=80, gt=0)

    # Optional machine translation: a LibreTranslate-compatible server.
    translate_url: str | None = None
    translate_api_key: SecretStr | None = None

    smtp: SmtpSettings = SmtpSettings()
    delivery: DeliverySettings = DeliverySettings()
    bot: BotSettings = BotSettings()
    workhours: WorkHoursSettings = WorkHoursSettings()
    digest: DigestSettings = DigestSettings()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown timezone {value!r} (use an IANA name such as Europe/Kyiv)"
            ) from exc
        return value

    @field_validator("default_locale")
    @classmethod
    def _supported_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"unsupported locale {value!r}; one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator(
        "redis_url",
        "webhook_url",
        "districts_file",
        "translate_url",
        "metrics_token",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("bot_username", mode="before")
    @classmethod
    def _bare_username(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().removeprefix("@")
            return value or None
        return value

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.environment is not Environment.PRODUCTION:
            return self
        secret = self.secret_key.get_secret_value()
        if secret == PLACEHOLDER_SECRET or len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                "CIVICDESK_SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters in production, for example the output of: "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        if self.webhook_url and not self.webhook_secret:
            raise ValueError(
                "CIVICDESK_WEBHOOK_SECRET is required when CIVICDESK_WEBHOOK_URL is set"
            )
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'civicdesk.db').resolve()}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION
