"""mySociety's Open311 extension, as FixMyStreet speaks it: service request updates.

``GET servicerequestupdates.{xml,json}``: the updates made from ``start_date`` to
``end_date`` (:mod:`.feed`); ``POST servicerequestupdates.{xml,json}``: a resident's
comment on FixMyStreet becomes a public update on the case, answered with its
``update_id`` (FixMyStreet reads ``request_update/update_id``). Both need the council's
api_key: "403 - Missing or Invalid API Key" (GeoReport v2, Errors).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from townhall.cases.domain.exceptions import CaseNotFoundError, CasesError
from townhall.cases.domain.open311 import PostOpen311Update
from townhall.cases.entrypoints.api.access_table import ACCESS
from townhall.cases.entrypoints.api.dependencies import (
    Bus,
    CatalogueDep,
    ClockDep,
    Context,
    Session,
    SettingsDep,
)
from townhall.cases.entrypoints.api.schemas import REFERENCE_PATTERN
from townhall.cases.entrypoints.open311 import documents as doc
from townhall.cases.entrypoints.open311 import feed
from townhall.cases.entrypoints.open311.definitions import parse_w3c
from townhall.cases.entrypoints.open311.keys import checked, required_key
from townhall.cases.entrypoints.open311.parameters import Open311Error, form_fields, one, window
from townhall.cases.entrypoints.open311.posting import DESCRIPTION_LIMIT
from townhall.cases.entrypoints.open311.render import respond
from townhall.cases.service_layer.open311 import PostedUpdate
from townhall.runtime.auth import Principal

router = APIRouter()
# The access table's rows for these two routes (entrypoints/api/dependencies.py holds
# the others; these live beside the only routes that use them).
ReadsUpdates = Annotated[Principal | None, Depends(ACCESS.require("open311.updates"))]
PostsUpdate = Annotated[Principal | None, Depends(ACCESS.require("open311.post_update"))]
_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_STATUS = re.compile(r"^[A-Za-z_ ]{1,40}$")


@router.get(
    "/servicerequestupdates.{fmt}",
    responses={
        200: doc.answer(list[doc.RequestUpdate], "Updates made in the date range"),
        **doc.errors(400, 403, 404),
    },
)
async def get_updates(
    fmt: doc.Format,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    session: Session,
    clock: ClockDep,
    _: ReadsUpdates,
    jurisdiction_id: str | None = None,
    api_key: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
) -> Response:
    """Updates from ``start_date`` to ``end_date`` (by default the last 90 days, at most
    90 days), oldest first."""
    checked(settings, fmt, jurisdiction_id)
    required_key(settings, api_key, fmt)
    start, end = window(start_date, end_date, fmt, clock())
    found = await feed.updates(session, catalogue, start, end)
    return respond(fmt, "service_request_updates", found)


@router.post(
    "/servicerequestupdates.{fmt}",
    status_code=201,
    responses={
        200: doc.answer(list[doc.UpdatePosted], "This update was already posted"),
        201: doc.answer(list[doc.UpdatePosted], "The update was added to the case"),
        **doc.errors(400, 403, 404, 503),
    },
    openapi_extra=doc.POST_UPDATE_FORM,
)
async def post_update(
    request: Request,
    fmt: doc.Format,
    settings: SettingsDep,
    bus: Bus,
    context: Context,
    _: PostsUpdate,
) -> Response:
    """Form-encoded, as FixMyStreet posts it; ``api_key`` is required."""
    fields = await form_fields(request, fmt)
    checked(settings, fmt, one(fields, "jurisdiction_id"))
    required_key(settings, one(fields, "api_key"), fmt)
    command = _command(fields, fmt)
    try:
        posted: PostedUpdate = await bus.handle(command, context)
    except CaseNotFoundError as exc:
        raise Open311Error(
            404, [f"service_request_id {command.reference!r} not found"], fmt
        ) from exc
    except CasesError as exc:
        raise Open311Error(400, [str(exc)], fmt) from exc
    document = [{"update_id": str(posted.update_id)}]
    return respond(fmt, "service_request_updates", document, 201 if posted.new else 200)


def _command(fields: list[tuple[str, str]], fmt: str) -> PostOpen311Update:
    """The form read, or every problem with it named as sent."""
    problems: list[str] = []
    reference = (one(fields, "service_request_id") or "").strip()
    if not reference:
        problems.append("service_request_id is required")
    elif not re.fullmatch(REFERENCE_PATTERN, reference):
        raise Open311Error(404, [f"service_request_id {reference[:40]!r} not found"], fmt)
    text = (one(fields, "description") or "").strip()
    if not text:
        problems.append("description is required: the update's text")
    external_id = (one(fields, "update_id") or "").strip() or None
    if external_id is not None and not _EXTERNAL_ID.match(external_id):
        problems.append("update_id: up to 64 letters, digits and . _ : -")
    status = (one(fields, "status") or "").strip()
    if status and not _STATUS.match(status):
        problems.append(f"status: {status[:40]!r} is not a status word such as OPEN or CLOSED")
    updated = (one(fields, "updated_datetime") or "").strip()
    updated_at = None
    try:
        updated_at = parse_w3c(updated) if updated else None
    except ValueError as exc:
        problems.append(f"updated_datetime: {exc}")
    media = [v.strip() for k, v in fields if k == "media_url" and v.strip()]
    if any(not re.match(r"^https?://[^\s]{1,1990}$", url) for url in media):
        problems.append("media_url: each is an http(s) URL")
    if problems:
        raise Open311Error(400, problems, fmt)
    return PostOpen311Update(
        reference, text[:DESCRIPTION_LIMIT], external_id, tuple(media), updated_at
    )
