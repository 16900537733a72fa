"""Checking a ticket's answers against its intent's follow-up questions."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from core.errors import ValidationFailed
from core.intents.catalog import Attribute, Datatype, Intent

MAX_TEXT_ANSWER = 2_000


def _invalid(attribute: Attribute, message: str) -> ValidationFailed:
    return ValidationFailed(f"answer {attribute.code!r}: {message}", field=attribute.code)


def _normalise(attribute: Attribute, value: Any) -> Any:
    datatype = attribute.datatype
    if datatype in (Datatype.STRING, Datatype.TEXT):
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise _invalid(attribute, "must be text")
        text = str(value).strip()
        if len(text) > MAX_TEXT_ANSWER:
            raise _invalid(attribute, f"is longer than {MAX_TEXT_ANSWER} characters")
        return text
    if datatype is Datatype.NUMBER:
        try:
            number = (
                float(str(value).replace(",", ".").strip()) if not isinstance(value, bool) else None
            )
        except ValueError:
            number = None
        if number is None or not math.isfinite(number):
            raise _invalid(attribute, "must be a number")
        return int(number) if number.is_integer() else number
    if datatype is Datatype.DATETIME:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise _invalid(attribute, "must be an ISO 8601 date and time") from exc
        return moment.isoformat()
    keys = {option.key for option in attribute.options}
    if datatype is Datatype.SINGLEVALUELIST:
        if str(value) not in keys:
            raise _invalid(attribute, f"must be one of {sorted(keys)}")
        return str(value)
    values = value if isinstance(value, list) else [value]
    unknown = [str(item) for item in values if str(item) not in keys]
    if unknown or not values:
        raise _invalid(attribute, f"values must be among {sorted(keys)}")
    return sorted({str(item) for item in values})


def validate_answers(intent: Intent | None, answers: dict[str, Any]) -> dict[str, Any]:
    """Known attributes only, each of the right type, every required one present."""
    attributes = (
        {attribute.code: attribute for attribute in intent.questions.attributes} if intent else {}
    )
    unknown = sorted(set(answers) - set(attributes))
    if unknown:
        raise ValidationFailed(f"unknown answer(s): {', '.join(unknown)}", field=unknown[0])
    cleaned: dict[str, Any] = {}
    for code, attribute in attributes.items():
        value = answers.get(code)
        if value is None or value == "" or value == []:
            if attribute.required:
                raise _invalid(attribute, "is required")
            continue
        cleaned[code] = _normalise(attribute, value)
    return cleaned
