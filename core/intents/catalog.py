"""The service catalog as typed, immutable data (loaded and validated by `loader`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

# What a message that matches nothing is filed as: the coordination unit triages it.
UNKNOWN_INTENT = "unknown"


class IntentKind(StrEnum):
    REQUEST = "request"
    INFORMATION = "information"
    FEEDBACK = "feedback"
    EMERGENCY = "emergency"


class Datatype(StrEnum):
    """Open311 GeoReport v2 attribute datatypes."""

    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLEVALUELIST = "singlevaluelist"
    MULTIVALUELIST = "multivaluelist"

    @property
    def is_list(self) -> bool:
        return self in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)


class QuestionMode(StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    NONE = "none"


Translated = Mapping[str, str]


@dataclass(frozen=True)
class AttributeOption:
    key: str
    label: Translated


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: Datatype
    required: bool
    label: Translated
    options: tuple[AttributeOption, ...] = ()

    def option(self, key: str) -> AttributeOption | None:
        return next((option for option in self.options if option.key == key), None)


@dataclass(frozen=True)
class Questions:
    location: QuestionMode = QuestionMode.NONE
    photo: QuestionMode = QuestionMode.NONE
    attributes: tuple[Attribute, ...] = ()


@dataclass(frozen=True)
class Targets:
    first_response_hours: float
    resolution_hours: float


@dataclass(frozen=True)
class LanguageEntry:
    name: str
    description: str
    phrases: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    answer: str | None = None


@dataclass(frozen=True)
class Intent:
    code: str
    kind: IntentKind
    group: str
    partner_types: tuple[str, ...]
    targets: Targets | None
    sensitive: bool
    questions: Questions
    languages: Mapping[str, LanguageEntry]
    source: Path | None = None

    def text(self, locale: str) -> LanguageEntry:
        return self.languages.get(locale) or self.languages["en"]

    def name(self, locale: str) -> str:
        return self.text(locale).name


@dataclass(frozen=True)
class Group:
    code: str
    label: Translated


@dataclass(frozen=True)
class Catalog:
    intents: Mapping[str, Intent]
    groups: tuple[Group, ...] = ()
    directory: Path | None = None
    # Counter-examples per language: messages that are not for the desk at all.
    out_of_scope: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Intent]:
        return iter(self.intents.values())

    def __len__(self) -> int:
        return len(self.intents)

    def get(self, code: str) -> Intent | None:
        return self.intents.get(code)

    def group(self, code: str) -> Group | None:
        return next((group for group in self.groups if group.code == code), None)

    def in_group(self, group_code: str) -> list[Intent]:
        return [intent for intent in self if intent.group == group_code]


@dataclass(frozen=True)
class CatalogProblem:
    file: str
    message: str
    intent: str | None = None
    language: str | None = None
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [
            f"intent {self.intent}" if self.intent else None,
            f"language {self.language}" if self.language else None,
            f"field {self.field}" if self.field else None,
        ]
        context = ", ".join(part for part in parts if part)
        return f"{where}: {context + ': ' if context else ''}{self.message}"


class CatalogError(Exception):
    def __init__(self, problems: list[CatalogProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))
