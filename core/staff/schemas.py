from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.i18n import SUPPORTED_LOCALES
from core.staff.models import Role


class StaffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(min_length=3, max_length=254)
    display_name: str = Field(min_length=1, max_length=200)
    role: Role
    partner_code: str | None = None
    locale: str = "en"

    @field_validator("email")
    @classmethod
    def _plausible_email(cls, value: str) -> str:
        local, _, domain = value.partition("@")
        if not local or "." not in domain or any(char.isspace() for char in value):
            raise ValueError("not an e-mail address")
        return value.lower()

    @field_validator("locale")
    @classmethod
    def _supported(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"unsupported language {value!r}")
        return value
