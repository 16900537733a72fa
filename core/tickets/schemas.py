"""What crosses the boundary into and out of the ticket services."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.i18n import SUPPORTED_LOCALES
from core.tickets.models import Channel, Priority, RatingAnswer
from core.tickets.status import TicketStatus

MAX_DESCRIPTION_LENGTH = 10_000
MAX_MESSAGE_LENGTH = 4_000
MAX_ATTACHMENTS = 10


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    VOICE = "voice"
    VIDEO = "video"
    DOCUMENT = "document"


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: AttachmentKind
    telegram_file_id: str | None = Field(default=None, max_length=256)
    url: str | None = Field(default=None, max_length=2048)
    mime_type: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _has_source(self) -> Attachment:
        if not (self.telegram_file_id or self.url):
            raise ValueError("an attachment needs a telegram_file_id or a url")
        if self.url and not self.url.startswith(("https://", "http://")):
            raise ValueError("attachment url must be http(s)")
        return self


class TicketCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    intent_code: str = Field(min_length=1, max_length=64)
    channel: Channel
    language: str
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION_LENGTH)
    answers: dict[str, Any] = Field(default_factory=dict)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, max_length=500)
    district: str | None = Field(default=None, max_length=64)
    attachments: list[Attachment] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    priority: Priority | None = None

    @field_validator("language")
    @classmethod
    def _supported(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"unsupported language {value!r}")
        return value

    @model_validator(mode="after")
    def _both_coordinates(self) -> TicketCreate:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude go together")
        return self


class TicketRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    intent_code: str
    partner_id: int
    assignee_id: int | None
    status: TicketStatus
    priority: Priority
    channel: Channel
    language: str
    description: str | None
    answers: dict[str, Any]
    latitude: float | None
    longitude: float | None
    address: str | None
    district: str | None
    attachments: list[dict[str, Any]]
    is_private: bool
    duplicate_of_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    first_response_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None


class RatingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    answer: RatingAnswer
    score: int | None = Field(default=None, ge=1, le=5)
    comment: str | None = Field(default=None, max_length=MAX_MESSAGE_LENGTH)
