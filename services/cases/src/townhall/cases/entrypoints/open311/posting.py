"""A POSTed Open311 form → a SubmitCase command.

Attributes arrive as ``attribute[code]=value`` (``attribute[code][]=value`` for multiple
values). FixMyStreet also sends attributes of its own (``attribute[uprn]``,
``attribute[fixmystreet_id]``, ``attribute[easting]``…): the UPRN locates the case, the
rest are not part of any form and are ignored.
"""

from __future__ import annotations

import re
from typing import Any

from townhall.cases.domain.catalogue import ServiceType
from townhall.cases.domain.commands import Actor, Location, Reporter, SubmitCase
from townhall.cases.domain.exceptions import InvalidDetailsError
from townhall.cases.entrypoints.open311.definitions import coerce

_ATTRIBUTE = re.compile(r"^attribute\[(?P<code>[A-Za-z0-9_.-]+)\](?P<many>\[\])?$")
OPEN311_ACTOR = Actor("open311", "service")


def _value(fields: list[tuple[str, str]], name: str) -> str | None:
    found = next((v.strip() for k, v in fields if k == name), None)
    return found or None


def _attributes(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in fields:
        match = _ATTRIBUTE.match(key)
        if match and value != "":
            found.setdefault(match["code"], []).append(value)
    return found


def _details(service_type: ServiceType, fields: list[tuple[str, str]]) -> dict[str, Any]:
    properties = service_type.form["properties"]
    details: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for code, values in _attributes(fields).items():
        schema = properties.get(code)
        if schema is None:
            continue
        try:
            converted = [coerce(schema, v) for v in values]
        except ValueError as exc:
            problems.append((f"attribute[{code}]", str(exc)))
            continue
        details[code] = converted if schema.get("type") == "array" else converted[0]
    media_url = _value(fields, "media_url")
    if media_url and "photos" in properties:
        details["photos"] = [media_url]
    if problems:
        raise InvalidDetailsError(service_type.code, problems)
    return details


def _location(fields: list[tuple[str, str]]) -> Location:
    lat, long = _value(fields, "lat"), _value(fields, "long")
    address = _value(fields, "address_string")
    uprn = next(iter(_attributes(fields).get("uprn", [])), None) or _value(fields, "address_id")
    if not ((lat and long) or address or uprn):
        raise ValueError("a location is required: lat and long, address_string or address_id")
    latitude = float(lat) if lat else None
    longitude = float(long) if long else None
    if latitude is not None and not -90 <= latitude <= 90:
        raise ValueError("lat must be between -90 and 90")
    if longitude is not None and not -180 <= longitude <= 180:
        raise ValueError("long must be between -180 and 180")
    if uprn is not None and not re.fullmatch(r"[0-9]{1,12}", uprn):
        raise ValueError("a UPRN is up to 12 digits")
    return Location(latitude, longitude, address, uprn)


def to_command(service_type: ServiceType, fields: list[tuple[str, str]]) -> SubmitCase:
    assert service_type.open311 is not None
    return SubmitCase(
        service_code=service_type.code,
        details=_details(service_type, fields),
        channel="open311",
        actor=OPEN311_ACTOR,
        reporter=Reporter(
            given_name=_value(fields, "first_name"),
            family_name=_value(fields, "last_name"),
            email=_value(fields, "email"),
            phone=_value(fields, "phone"),
        ),
        location=_location(fields),
        description=(_value(fields, "description") or "")[:4000],
        open311_token=service_type.open311.type == "batch",
    )
