"""What the Open311 routes answer, for the OpenAPI document: GeoReport v2's own shapes.

Success and Open311's errors come in the format the path asks for: JSON
(``application/json``) or XML (``text/xml``); the JSON forms are the models below.
What the platform itself refuses before Open311 is reached (a bearer token that is
bad or not allowed, a path format that is neither, a body too large, too many
look-ups) is an RFC 9457 problem, as on every Townhall route.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from townhall.runtime.openapi import problems
from townhall.runtime.problems import PROBLEM_MEDIA_TYPE

#: The format, as the path's extension.
Format = Literal["json", "xml"]
_XML = {"text/xml": {"schema": {"type": "string", "description": "The same document in XML."}}}


class Endpoint(BaseModel):
    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class Discovery(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class Value(BaseModel):
    key: str
    name: str


class Attribute(BaseModel):
    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[Value] | None = None


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[Attribute]


class ServiceRequest(BaseModel):
    """A request as this council discloses it: what its type's catalogue file does not
    show is null; ``address_id`` (a UPRN) and ``agency_responsible`` always are."""

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: None
    service_notice: None
    requested_datetime: str | None
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: None
    zipcode: None
    lat: float | None
    long: float | None
    media_url: str | None


class Created(BaseModel):
    """A realtime type answers its ``service_request_id``, a batch type a ``token``."""

    service_request_id: str | None = None
    token: str | None = None
    service_notice: str
    account_id: None


class TokenResolved(BaseModel):
    service_request_id: str
    token: str


class Open311Error(BaseModel):
    code: int
    description: str


def answer(model: Any, description: str) -> dict[str, Any]:
    """A success response in both formats."""
    return {"model": model, "description": description, "content": _XML}


def errors(*statuses: int, problem_too: tuple[int, ...] = ()) -> dict[int | str, Any]:
    """Open311 error documents (a list of code and description) for ``statuses``; those
    in ``problem_too`` may also be the platform's problem (e.g. 403: a bad api_key is
    Open311's, a refused bearer token the platform's)."""
    documented: dict[int | str, Any] = {}
    for status in statuses:
        response: dict[str, Any] = {
            "description": f"GeoReport v2 error list ({status})",
            "model": list[Open311Error],
            "content": dict(_XML),
        }
        if status in problem_too:
            response["content"] |= problems(status)[status]["content"]
            assert PROBLEM_MEDIA_TYPE in response["content"]
        documented[status] = response
    return documented


#: POST requests: GeoReport v2's form, as the server reads it.
POST_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["api_key", "service_code"],
                    "properties": {
                        name: {"type": "string"}
                        for name in (
                            "api_key",
                            "jurisdiction_id",
                            "service_code",
                            "lat",
                            "long",
                            "address_string",
                            "address_id",
                            "email",
                            "device_id",
                            "account_id",
                            "first_name",
                            "last_name",
                            "phone",
                            "description",
                            "media_url",
                        )
                    },
                    "additionalProperties": {
                        "type": "string",
                        "description": "attribute[code] (attribute[code][] for several)",
                    },
                }
            }
        },
    }
}
