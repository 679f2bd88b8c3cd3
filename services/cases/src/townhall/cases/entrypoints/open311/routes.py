"""Open311 GeoReport v2 under /open311/v2/: Open311 requests become ordinary cases.

Every call takes the format as the path's extension (.xml or .json) and an optional
``jurisdiction_id``; errors are the spec's list of code and description, Open311's own
(:mod:`.parameters`) and every other (:mod:`.errors`). mySociety's updates extension
is in :mod:`.updates`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from townhall.cases.domain.catalogue import Catalogue, ServiceType
from townhall.cases.domain.exceptions import CasesError, InvalidDetailsError
from townhall.cases.entrypoints.api.dependencies import (
    Bus,
    CatalogueDep,
    ClockDep,
    Context,
    Open311Discovers,
    Open311Lookup,
    Open311Reads,
    Open311ReadsToken,
    Open311Submits,
    Session,
    SettingsDep,
)
from townhall.cases.entrypoints.open311 import definitions, queries, updates
from townhall.cases.entrypoints.open311 import documents as doc
from townhall.cases.entrypoints.open311.keys import checked as _checked
from townhall.cases.entrypoints.open311.keys import keyed as _keyed
from townhall.cases.entrypoints.open311.keys import required_key
from townhall.cases.entrypoints.open311.parameters import (
    Open311Error,
    form_fields,
    listed,
    one,
    window,
)
from townhall.cases.entrypoints.open311.posting import to_command
from townhall.cases.entrypoints.open311.render import respond

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-01-01T00:00:00+00:00"
router = APIRouter(prefix="/open311/v2", tags=["open311"])


def _offered(catalogue: Catalogue, code: str, fmt: str) -> ServiceType:
    """GeoReport v2: "404 - service_code or jurisdiction_id was not found"."""
    found = catalogue.get(code)
    if found is None or found.open311 is None:
        raise Open311Error(404, [f"service_code {code!r} not found"], fmt)
    return found


def refused_details(exc: InvalidDetailsError) -> list[str]:
    """Each problem named as the client sent it: ``attribute[code]``, ``media_url``…"""
    return [f"{_as_sent(path)}: {message}" for path, message in exc.problems]


def _as_sent(path: str) -> str:
    if not path or path.startswith(("attribute[", "lat", "long", "address_id", "media_url")):
        return path or "request"
    if path == "location":
        return "lat"
    head = path.split(".")[0]
    return "media_url" if head == "photos" else f"attribute[{head}]"


@router.get("/discovery.{fmt}", responses={200: doc.answer(doc.Discovery, "Discovery")})
async def discovery(
    request: Request, fmt: doc.Format, settings: SettingsDep, _: Open311Discovers
) -> Response:
    _checked(settings, fmt, None)
    endpoint = {
        "specification": SPECIFICATION,
        "url": str(request.url_for("service_list", fmt="json")).rsplit("/", 1)[0],
        "changeset": CHANGESET,
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }
    document = {
        "changeset": CHANGESET,
        "contact": settings.open311_contact,
        "key_service": settings.open311_contact,
        "endpoints": [endpoint],
    }
    return respond(fmt, "discovery", document)


@router.get(
    "/services.{fmt}",
    name="service_list",
    responses={200: doc.answer(list[doc.Service], "Services offered"), **doc.errors(404)},
)
async def service_list(
    fmt: doc.Format,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    _: Open311Discovers,
    jurisdiction_id: str | None = None,
) -> Response:
    _checked(settings, fmt, jurisdiction_id)
    services = [definitions.service(t) for t in catalogue if t.open311 is not None]
    return respond(fmt, "services", services)


@router.get(
    "/services/{service_code}.{fmt}",
    responses={
        200: doc.answer(doc.ServiceDefinition, "The type's attributes"),
        **doc.errors(404),
    },
)
async def service_definition(
    service_code: str,
    fmt: doc.Format,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    _: Open311Discovers,
    jurisdiction_id: str | None = None,
) -> Response:
    _checked(settings, fmt, jurisdiction_id)
    service_type = _offered(catalogue, service_code, fmt)
    return respond(fmt, "service_definition", definitions.definition(service_type))


@router.post(
    "/requests.{fmt}",
    status_code=201,
    responses={
        201: doc.answer(list[doc.Created], "The request was opened"),
        **doc.errors(400, 403, 404, 503),
    },
    openapi_extra=doc.POST_FORM,
)
async def post_request(
    request: Request,
    fmt: doc.Format,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    bus: Bus,
    context: Context,
    _: Open311Submits,
) -> Response:
    """Form-encoded, as the spec says; ``api_key`` is required."""
    fields = await form_fields(request, fmt)
    _checked(settings, fmt, one(fields, "jurisdiction_id"))
    required_key(settings, one(fields, "api_key"), fmt)
    code = one(fields, "service_code")
    if not code:
        raise Open311Error(400, ["service_code is required"], fmt)
    service_type = _offered(catalogue, code, fmt)
    try:
        command = to_command(service_type, fields)
        submitted = await bus.handle(command, context)
    except InvalidDetailsError as exc:
        raise Open311Error(400, refused_details(exc), fmt) from exc
    except (CasesError, ValueError) as exc:
        raise Open311Error(400, [str(exc)], fmt) from exc
    assert service_type.open311 is not None
    kind = service_type.open311.type
    created: dict[str, Any] = {"service_notice": "", "account_id": None}
    if kind == "realtime":
        created = {"service_request_id": submitted.reference, **created}
    elif kind == "batch":
        created = {"token": submitted.token, **created}
    return respond(fmt, "service_requests", [created], status=201)


@router.get(
    "/requests.{fmt}",
    responses={
        200: doc.answer(list[doc.ServiceRequest], "Requests this caller may see"),
        **doc.errors(400, 403, 404, 429),
    },
)
async def get_requests(
    fmt: doc.Format,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    session: Session,
    clock: ClockDep,
    _: Open311Reads,
    __: Open311Lookup,
    jurisdiction_id: str | None = None,
    api_key: str | None = None,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
) -> Response:
    _checked(settings, fmt, jurisdiction_id)
    keyed = _keyed(settings, api_key, fmt)
    if service_request_id:  # the spec: other parameters are then ignored
        filters = queries.Filters(ids=listed(service_request_id))
    else:
        start, end = window(start_date, end_date, fmt, clock())
        statuses = sorted(set(listed(status or "")))
        if set(statuses) - {"open", "closed"}:
            raise Open311Error(400, ["status must be open, closed or both"], fmt)
        codes = listed(service_code or "")
        filters = queries.Filters((), codes, start, end, statuses)
    found = await queries.find(session, catalogue, filters, keyed=keyed)
    return respond(fmt, "service_requests", found)


@router.get(
    "/requests/{service_request_id}.{fmt}",
    responses={
        200: doc.answer(list[doc.ServiceRequest], "The request, if this caller may see it"),
        **doc.errors(403, 404, 429),
    },
)
async def get_request(
    service_request_id: str,
    fmt: doc.Format,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    session: Session,
    _: Open311Reads,
    __: Open311Lookup,
    jurisdiction_id: str | None = None,
    api_key: str | None = None,
) -> Response:
    _checked(settings, fmt, jurisdiction_id)
    keyed = _keyed(settings, api_key, fmt)
    filters = queries.Filters(ids=[service_request_id])
    found = await queries.find(session, catalogue, filters, keyed=keyed)
    if not found:
        raise Open311Error(404, [f"service_request_id {service_request_id!r} not found"], fmt)
    return respond(fmt, "service_requests", found)


@router.get(
    "/tokens/{token}.{fmt}",
    responses={
        200: doc.answer(list[doc.TokenResolved], "The request the token became"),
        **doc.errors(404, 429),
    },
)
async def get_token(
    token: str,
    fmt: doc.Format,
    settings: SettingsDep,
    session: Session,
    _: Open311ReadsToken,
    __: Open311Lookup,
    jurisdiction_id: str | None = None,
) -> Response:
    _checked(settings, fmt, jurisdiction_id)
    reference = await queries.by_token(session, token)
    if reference is None:
        raise Open311Error(404, [f"token {token!r} not found"], fmt)
    return respond(fmt, "service_requests", [{"service_request_id": reference, "token": token}])


router.include_router(updates.router)
