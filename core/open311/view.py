"""The GeoReport v2 documents as plain data: dicts and lists in the specification's field order.

Every field the specification lists is present (None when unknown); codes and ids are
strings; datetimes are W3C with a timezone. The API renders these as JSON or XML.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.geo.districts import DistrictMap
from core.intents.catalog import Catalog, Intent
from core.open311.repository import PublicTicket
from core.publicdata.privacy import coarsen, scrub
from core.tickets.models import Channel

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ("text/xml", "application/json")
# Every service is realtime: a POST answers with the service_request_id at once, so the
# specification's tokens resource is never needed (GET tokens/... is a 404).
SERVICE_TYPE = "realtime"
# What the specification says a datatype means, for clients that show it to people.
DATATYPE_DESCRIPTIONS = {
    "string": "a short line of text",
    "number": "a number",
    "datetime": "a W3C datetime, e.g. 2010-01-01T00:00:00Z",
    "text": "free text",
    "singlevaluelist": "one of the keys listed in values",
    "multivaluelist": "one or more of the keys listed in values",
}
Document = dict[str, Any]


def w3c(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def discovery(base_url: str, changeset: dt.datetime, contact: str) -> Document:
    return {
        "changeset": w3c(changeset),
        "contact": contact,
        "key_service": "Ask the city for an API key (civicdesk open311 keys create).",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": w3c(changeset),
                "type": "production",
                "formats": list(FORMATS),
            }
        ],
    }


def service(catalog: Catalog, intent: Intent, locale: str) -> Document:
    text = intent.text(locale)
    group = catalog.group(intent.group)
    group_label = group.label.get(locale) or group.label.get("en") if group else None
    return {
        "service_code": intent.code,
        "service_name": text.name,
        "description": text.description,
        "metadata": bool(intent.questions.attributes),
        "type": SERVICE_TYPE,
        "keywords": ", ".join(text.keywords) or None,
        "group": group_label or intent.group,
    }


def service_definition(intent: Intent, locale: str) -> Document:
    attributes = [
        {
            "variable": True,
            "code": attribute.code,
            "datatype": attribute.datatype.value,
            "required": attribute.required,
            "datatype_description": DATATYPE_DESCRIPTIONS[attribute.datatype.value],
            "order": order,
            "description": attribute.label.get(locale) or attribute.label.get("en", attribute.code),
            "values": [
                {"key": option.key, "name": option.label.get(locale) or option.label.get("en")}
                for option in attribute.options
            ],
        }
        for order, attribute in enumerate(intent.questions.attributes, start=1)
    ]
    return {"service_code": intent.code, "attributes": attributes}


def service_request(
    row: PublicTicket, catalog: Catalog, districts: DistrictMap, locale: str
) -> Document:
    ticket = row.ticket
    intent = catalog.get(ticket.intent_code)
    district = districts.get(ticket.district) if ticket.district and row.locatable else None
    media = next(
        (item["url"] for item in ticket.attachments if item.get("url")), None
    )  # photos sent through Telegram are not public; only links a client gave us are
    return {
        "service_request_id": ticket.reference,
        "status": "open" if ticket.status.is_open else "closed",
        # Free text can name a street: shown only where the position may be, and a description
        # only when it was written for Open311 (a Telegram message was never meant as public).
        "status_notes": scrub(row.status_notes, [row.reporter_name]) if row.locatable else None,
        "service_name": intent.name(locale) if intent else None,
        "service_code": ticket.intent_code,
        "description": scrub(ticket.description, [row.reporter_name])
        if row.locatable and ticket.channel is Channel.OPEN311
        else None,
        "agency_responsible": row.agency,
        "service_notice": None,
        "requested_datetime": w3c(ticket.created_at),
        "updated_datetime": w3c(ticket.updated_at),
        "expected_datetime": w3c(ticket.resolution_due_at) if ticket.status.is_open else None,
        # A street address can name a door; the district is as coarse as the coordinates.
        "address": district.name if district else None,
        "address_id": None,
        "zipcode": None,
        "lat": coarsen(ticket.latitude) if row.locatable else None,
        "long": coarsen(ticket.longitude) if row.locatable else None,
        "media_url": media,
    }


def created(reference: str) -> Document:
    return {"service_request_id": reference, "service_notice": None, "account_id": None}
