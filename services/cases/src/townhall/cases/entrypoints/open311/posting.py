"""A POSTed Open311 form → a SubmitOpen311Request command.

GeoReport v2: attributes arrive as ``attribute[code]=value``, "multiple values for the
same code in the case of a multivaluelist datatype
(attribute[code1][]=value1&attribute[code1][]=value2)". FixMyStreet (perllib/Open311.pm)
also sends attributes of its own, kept beside the case: ``fixmystreet_id``,
``easting``/``northing`` (British National Grid metres), ``title``, ``report_url``;
``attribute[uprn]`` locates the case; ``address_id=#NOTPINPOINTED#`` says the reporter
set no pin (then lat/long are not sent, and the grid reference, converted, places it).
Several ``media_url`` values (FixMyStreet's ``multi_photos``) are all kept.

Every problem found is named as the client sent it (``attribute[waste_type]``, ``lat``,
``media_url``) and all of them are reported together.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from townhall.cases.domain.catalogue import ServiceType
from townhall.cases.domain.commands import Actor, Location, Reporter, SubmitCase
from townhall.cases.domain.exceptions import InvalidDetailsError
from townhall.cases.domain.open311 import ClientAttributes, SubmitOpen311Request
from townhall.cases.entrypoints.open311.addresses import postcode_of
from townhall.cases.entrypoints.open311.definitions import coerce, offered_attributes
from townhall.cases.entrypoints.open311.grid import latitude_longitude

Fields = list[tuple[str, str]]
Problems = list[tuple[str, str]]
_ATTRIBUTE = re.compile(r"^attribute\[(?P<code>[A-Za-z0-9_.-]+)\](?P<many>\[\])?$")
OPEN311_ACTOR = Actor("open311", "service")
#: FixMyStreet's address_id when the reporter set no pin on its map.
NOT_PINPOINTED = "#NOTPINPOINTED#"
#: GeoReport v2: description "is free form text limited to 4,000 characters".
DESCRIPTION_LIMIT = 4000
_URL_LIMIT = 2000


def _value(fields: Fields, name: str) -> str | None:
    found = next((v.strip() for k, v in fields if k == name), None)
    return found or None


def _values(fields: Fields, name: str) -> list[str]:
    return [v.strip() for k, v in fields if k == name and v.strip()]


def _attributes(fields: Fields) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in fields:
        match = _ATTRIBUTE.match(key)
        if match and value.strip() != "":
            found.setdefault(match["code"], []).append(value)
    return found


def _details(
    service_type: ServiceType, given: dict[str, list[str]], problems: Problems
) -> dict[str, Any]:
    offered = offered_attributes(service_type)
    details: dict[str, Any] = {}
    for code in service_type.form.get("required", []):
        if code in offered and code not in given:
            title = offered[code].get("title", code)
            problems.append((f"attribute[{code}]", f"is required ({title})"))
    for code, values in given.items():
        if code not in offered:
            continue
        try:
            details[code] = coerce(offered[code], values)
        except ValueError as exc:
            problems.append((f"attribute[{code}]", str(exc)))
    return details


def _media(fields: Fields, problems: Problems) -> list[str]:
    urls = _values(fields, "media_url")
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > _URL_LIMIT:
            problems.append(("media_url", f"{url[:80]!r} is not an http(s) URL"))
    return urls


def _coordinate(raw: str | None, name: str, limit: float, problems: Problems) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        problems.append(
            (name, f"{raw[:40]!r} is not a number: decimal degrees (WGS84), e.g. 51.5072")
        )
        return None
    if not -limit <= value <= limit:
        problems.append((name, f"must be between -{limit:g} and {limit:g} degrees"))
        return None
    return value


def _location(
    fields: Fields, given: dict[str, list[str]], client: ClientAttributes, problems: Problems
) -> Location | None:
    lat, long = _value(fields, "lat"), _value(fields, "long")
    address = _value(fields, "address_string")
    address_id = _value(fields, "address_id")
    not_pinpointed = address_id == NOT_PINPOINTED
    uprn = next(iter(given.get("uprn", [])), None) or (None if not_pinpointed else address_id)
    if (lat is None) != (long is None):
        problems.append(("lat" if lat is None else "long", "lat and long are sent together"))
    latitude = _coordinate(lat, "lat", 90, problems)
    longitude = _coordinate(long, "long", 180, problems)
    if uprn is not None and not re.fullmatch(r"[0-9]{1,12}", uprn):
        problems.append(("address_id", f"{uprn[:40]!r} is not a UPRN (up to 12 digits)"))
        uprn = None
    gridded = client.easting is not None and client.northing is not None
    if not (lat or long or address or uprn or not_pinpointed or gridded):
        problems.append(
            ("lat", "a location is required: lat and long, address_string or address_id")
        )
        return None
    if lat is None and long is None and client.easting is not None and client.northing is not None:
        # no pin: FixMyStreet's grid reference is where the report is
        latitude, longitude = latitude_longitude(client.easting, client.northing)
    return Location(latitude, longitude, address, uprn)


def _checked(
    given: dict[str, list[str]], code: str, read: Callable[[str], Any], problems: Problems
) -> Any:
    raw = next(iter(given.get(code, [])), None)
    if raw is None:
        return None
    try:
        return read(raw.strip())
    except ValueError as exc:
        problems.append((f"attribute[{code}]", str(exc)))
        return None


def _digits(raw: str) -> str:
    if not re.fullmatch(r"[0-9]{1,32}", raw):
        raise ValueError(f"{raw[:40]!r} is not a FixMyStreet report number")
    return raw


def _grid(limit: float) -> Callable[[str], float]:
    def read(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and 0 <= value <= limit):
            raise ValueError(f"{raw[:40]!r} is not British National Grid metres (0 to {limit:g})")
        return value

    return read


def _url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(raw) > _URL_LIMIT:
        raise ValueError(f"{raw[:80]!r} is not an http(s) URL")
    return raw


def _client(
    fields: Fields, given: dict[str, list[str]], spare_media: list[str], problems: Problems
) -> ClientAttributes:
    title = next(iter(given.get("title", [])), None)
    return ClientAttributes(
        fixmystreet_id=_checked(given, "fixmystreet_id", _digits, problems),
        easting=_checked(given, "easting", _grid(700_000), problems),
        northing=_checked(given, "northing", _grid(1_300_000), problems),
        title=title.strip()[:500] if title else None,
        report_url=_checked(given, "report_url", _url, problems),
        not_pinpointed=_value(fields, "address_id") == NOT_PINPOINTED,
        media_urls=tuple(spare_media),
    )


def to_command(service_type: ServiceType, fields: Fields) -> SubmitOpen311Request:
    """The command, or InvalidDetailsError naming every field that is wrong."""
    assert service_type.open311 is not None
    problems: Problems = []
    given = _attributes(fields)
    details = _details(service_type, given, problems)
    media = _media(fields, problems)
    has_photos = "photos" in service_type.form["properties"]
    postcode = postcode_of(fields, given, problems)
    if media and has_photos:
        details["photos"] = media
    client = _client(fields, given, [] if has_photos else media, problems)
    location = _location(fields, given, client, problems)
    if problems:
        raise InvalidDetailsError(service_type.code, problems)
    case = SubmitCase(
        service_code=service_type.code,
        details=details,
        channel="open311",
        actor=OPEN311_ACTOR,
        reporter=Reporter(
            given_name=_value(fields, "first_name"),
            family_name=_value(fields, "last_name"),
            email=_value(fields, "email"),
            phone=_value(fields, "phone"),
        ),
        location=replace(location, postcode=postcode) if location else None,
        description=(_value(fields, "description") or "")[:DESCRIPTION_LIMIT],
        open311_token=service_type.open311.type == "batch",
    )
    return SubmitOpen311Request(case, client)
