"""What the Open311 routes answer, for the OpenAPI document: GeoReport v2's own shapes.

Success and errors come in the format the path asks for: JSON (``application/json``)
or XML (``text/xml``); the JSON forms are the models below. Every error under
/open311/v2/ is GeoReport v2's list of code and description, including what the
platform refuses before Open311 is reached (a bearer token, a body too large, too many
look-ups, a dependency down: :mod:`.errors` rewrites those problems), so
:func:`document_errors` documents every error status of these routes as that list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel

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


class RequestUpdate(BaseModel):
    """mySociety's extension: one update of a request (``servicerequestupdates``)."""

    update_id: str
    service_request_id: str
    status: str
    updated_datetime: str
    description: str | None
    media_url: str | None
    external_status_code: str


class UpdatePosted(BaseModel):
    update_id: str


class Open311Error(BaseModel):
    code: int
    description: str


def answer(model: Any, description: str) -> dict[str, Any]:
    """A success response in both formats."""
    return {"model": model, "description": description, "content": _XML}


def errors(*statuses: int) -> dict[int | str, Any]:
    """Open311 error documents (a list of code and description) for ``statuses``."""
    return {status: _error_response(status) for status in statuses}


_ERROR_LIST = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}


def _error_response(status: int, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or f"GeoReport v2 error list ({status})",
        "content": {"application/json": {"schema": _ERROR_LIST}, **_XML},
    }


def _as_open311_errors(responses: dict[str, Any]) -> None:
    """Every error status as GeoReport v2's list; 422 is answered as the spec's 400."""
    if "422" in responses:
        del responses["422"]
        responses.setdefault("400", {})
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400:
            described = response.get("description")
            response.clear()
            response.update(_error_response(int(status), described))


def document_errors(app: FastAPI, prefix: str) -> None:
    """Make ``app.openapi()`` show every error of the paths under ``prefix`` as
    GeoReport v2's error list, as :mod:`.errors` answers them."""
    build: Callable[[], dict[str, Any]] = app.openapi
    rewritten: list[bool] = []

    def openapi() -> dict[str, Any]:
        document = build()
        if not rewritten:
            for path, operations in document.get("paths", {}).items():
                if path.startswith(prefix):
                    for operation in operations.values():
                        _as_open311_errors(operation.setdefault("responses", {}))
            rewritten.append(True)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


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


#: POST servicerequestupdates: the form FixMyStreet posts (perllib/Open311.pm).
POST_UPDATE_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["api_key", "service_request_id", "description"],
                    "properties": {
                        name: {"type": "string"}
                        for name in (
                            "api_key",
                            "jurisdiction_id",
                            "service_request_id",
                            "update_id",
                            "updated_datetime",
                            "status",
                            "description",
                            "first_name",
                            "last_name",
                            "email",
                            "phone",
                            "media_url",
                            "service_code",
                        )
                    },
                    "additionalProperties": {"type": "string"},
                }
            }
        },
    }
}
