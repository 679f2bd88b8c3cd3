"""Open311 GeoReport v2 documents in its two formats, XML and JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from fastapi.responses import Response

#: Child element of each list-valued element, as in the spec's XML examples.
_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "service_request_updates": "request_update",
}
MEDIA_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json"}
FORMATS = tuple(MEDIA_TYPES)


def w3c(value: datetime | None) -> str | None:
    """W3C datetime with its offset, as the spec's examples: 2010-04-14T06:37:38-08:00."""
    return None if value is None else value.isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value) or ""
    return "" if value is None else str(value)


def _element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, Mapping):
        for key, child in value.items():
            element.append(_element(key, child))
    elif isinstance(value, list | tuple):
        item_tag = _ITEMS.get(tag, "item")
        for child in value:
            element.append(_element(item_tag, child))
    else:
        element.text = _text(value)
    return element


def to_xml(root: str, document: Any) -> bytes:
    body: bytes = ET.tostring(_element(root, document), encoding="utf-8", xml_declaration=True)
    return body


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return w3c(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode(fmt: str, root: str, document: Any) -> tuple[bytes, str]:
    """``document`` as the spec shapes it (a list, or object, under ``root`` in XML), and
    its media type."""
    if fmt == "xml":
        return to_xml(root, document), MEDIA_TYPES["xml"]
    return json.dumps(document, default=_json_default).encode(), MEDIA_TYPES["json"]


def respond(fmt: str, root: str, document: Any, status: int = 200) -> Response:
    content, media_type = encode(fmt, root, document)
    return Response(content, status_code=status, media_type=media_type)


def error_body(fmt: str, status: int, descriptions: Sequence[str]) -> tuple[bytes, str]:
    """GeoReport v2's error document: "the response is an array" of code and description."""
    document = [{"code": status, "description": d} for d in descriptions]
    return encode(fmt if fmt in FORMATS else "xml", "errors", document)


def errors(fmt: str, status: int, descriptions: Sequence[str]) -> Response:
    content, media_type = error_body(fmt, status, descriptions)
    return Response(content, status_code=status, media_type=media_type)
