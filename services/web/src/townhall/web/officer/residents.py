"""Finding a resident and reading their joined-up history.

The officer says why they are looking with the search; resident-view records it with
every search and every read of the history. The purpose is kept in the session for each
resident the search found, so opening one of them passes it on; a resident opened any
other way asks for it first.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web import forms
from townhall.web.i18n import N_
from townhall.web.officer.dependencies import ClientAddress, Form, OfficerSession, WorkspaceDep
from townhall.web.officer.labels import CHANNELS, DOMAINS, MATCH_REASONS
from townhall.web.officer.record import Row, record_rows
from townhall.web.officer.workspace import Workspace
from townhall.web.sessions import Session
from townhall.web.upstream import InvalidError, NotFoundError, UpstreamError

router = APIRouter(prefix="/officer", include_in_schema=False)
NOT_ACCEPTED = N_("The search was not accepted. Check what you entered and try again.")


@router.get("")
async def home(request: Request, workspace: WorkspaceDep, session: OfficerSession) -> Response:
    return workspace.pages.render(request, session, "officer/home.html")


@router.get("/search")
async def advanced(request: Request, workspace: WorkspaceDep, session: OfficerSession) -> Response:
    return workspace.pages.render(request, session, "officer/advanced.html")


@router.post("/search")
async def search(
    request: Request,
    workspace: WorkspaceDep,
    session: OfficerSession,
    form: Form,
    client: ClientAddress,
) -> Response:
    quick = form.get("form") != "advanced"
    template = "officer/home.html" if quick else "officer/advanced.html"
    check = forms.quick_search if quick else forms.advanced_search
    checked = check(form, workspace.today())
    if checked.ok:
        purpose = checked.values["purpose"]
        try:
            found = await workspace.call(
                session,
                client,
                lambda token: workspace.resident_view.search(token, purpose, checked.criteria),
            )
        except InvalidError:
            checked.error("query" if quick else "name", NOT_ACCEPTED)
        else:
            results = found["results"]
            for result in results:
                session.purposes[result["resident_id"]] = purpose
                name = f"{result.get('given_name') or ''} {result.get('family_name') or ''}"
                session.names[result["resident_id"]] = name.strip()
            context = {"results": results, "purpose": purpose, "match_reasons": MATCH_REASONS}
            return workspace.pages.render(request, session, "officer/results.html", context)
    context = {"form": checked, "errors": checked.errors}
    return workspace.pages.render(request, session, template, context, status_code=400)


def resident_id_of(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise NotFoundError(404, "no such resident") from None


@router.post("/residents/{resident_id}/purpose")
async def give_purpose(
    request: Request,
    resident_id: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    form: Form,
) -> Response:
    resident = resident_id_of(resident_id)
    checked = forms.purpose(form)
    if not checked.ok:
        context = {"form": checked, "errors": checked.errors, "resident_id": resident}
        return workspace.pages.render(
            request, session, "officer/purpose.html", context, status_code=400
        )
    session.purposes[resident] = checked.values["purpose"]
    return RedirectResponse(f"/officer/residents/{resident}", status_code=303)


async def _record(
    workspace: Workspace, session: Session, client: str, resident: str
) -> tuple[list[Row], list[dict[str, Any]]]:
    """The record's rows, and the records identity merged into this resident."""
    try:
        record = await workspace.call(
            session, client, lambda token: workspace.identity.resident(token, resident)
        )
    except UpstreamError:  # refused to this role, or unavailable: the history still shows
        return [], []
    try:
        consents: list[str] | None = await workspace.call(
            session, client, lambda token: workspace.identity.consents(token, resident)
        )
    except UpstreamError:  # the record shows without them
        consents = None
    return record_rows(record, consents), list(record.get("merged") or [])


@router.get("/residents/{resident_id}")
async def resident_page(
    request: Request,
    resident_id: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
    cursor: str | None = None,
) -> Response:
    resident = resident_id_of(resident_id)
    purpose = session.purposes.get(resident)
    if purpose is None:
        return workspace.pages.render(
            request, session, "officer/purpose.html", {"resident_id": resident}
        )
    wanted = forms.timeline_filters(dict(request.query_params), DOMAINS, CHANNELS)
    page: dict[str, Any] = {}
    if wanted.ok:
        asked = [*wanted.criteria, *([("cursor", cursor)] if cursor else [])]
        page = await workspace.call(
            session,
            client,
            lambda token: workspace.resident_view.timeline(token, resident, purpose, asked),
        )
    rows, merged = await _record(workspace, session, client, resident)
    next_page = None
    if page.get("next_cursor"):
        kept = [(k, v) for k, v in wanted.values.items() if v]
        query = urlencode([*kept, ("cursor", page["next_cursor"])])
        next_page = f"/officer/residents/{resident}?{query}"
    context = {
        "resident_id": resident,
        "name": session.names.get(resident),
        "record": rows,
        "merged": merged,
        "purpose": purpose,
        "entries": page.get("entries", []),
        "withheld": page.get("withheld_until_verified", False),
        "not_shown": page.get("not_shown"),
        "next_page": next_page,
        "form": wanted,
        "errors": wanted.errors,
        "domain_names": DOMAINS,
        "channel_names": CHANNELS,
    }
    status = 200 if wanted.ok else 400
    return workspace.pages.render(
        request, session, "officer/resident.html", context, status_code=status
    )
