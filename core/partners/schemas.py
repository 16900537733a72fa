from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.i18n import SUPPORTED_LOCALES
from core.partners.models import PartnerKind

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class PartnerData(BaseModel):
    """A partner as written in a partners file or an admin form."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str
    name: str = Field(min_length=1, max_length=200)
    kind: PartnerKind
    service_type: str | None = Field(default=None, max_length=40)
    coordination_unit: bool = False
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500)
    languages: list[str] = Field(default_factory=list)
    active: bool = True
    # None: the catalog's defaults for this service type.
    intents: list[str] | None = None
    districts: list[str] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        if not CODE_PATTERN.match(value):
            raise ValueError("use 1-40 lower-case letters, digits, '-' or '_'")
        return value

    @field_validator("languages")
    @classmethod
    def _supported(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in SUPPORTED_LOCALES]
        if unknown:
            raise ValueError(f"unsupported language(s) {unknown}")
        return value


class PartnersFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partners: list[PartnerData]
