"""Starting a request from the catalogue, one page at a time: the type's own questions
(generated from its JSON Schema), where it is, how to contact the resident, check your
answers, then (with a contact) the one-time code identity sends, and the confirmation.

A resident who gives an email address or phone number proves it with identity's tracking
code before the request is sent, so the request is theirs; identity then names the
request in a token for it, so they track and pay for it straight away, without a second
code (and later with their reference and a new code); one who gives none reports
anonymously (cases accepts that) and keeps the reference. The answers stay in the
server-side session until the request is sent.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web import schema_form
from townhall.web.forms import Checked
from townhall.web.i18n import N_
from townhall.web.officer.dependencies import (
    AnySession,
    ClientAddress,
    Form,
    FormLists,
    WorkspaceDep,
)
from townhall.web.officer.workspace import Workspace
from townhall.web.resident import answers, codes, evidence, sending
from townhall.web.resident.track import token_for
from townhall.web.sessions import Draft, PendingCode, Session
from townhall.web.upstream import InvalidError, NotFoundError

router = APIRouter(prefix="/report", include_in_schema=False)
CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: The pages, in order, and what each asks.
PAGES = ("details", "where", "contact")
NOT_ACCEPTED = N_("The request was not accepted. Check your answers and try again.")


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


async def _service_type(workspace: Workspace, code: str, language: str) -> dict[str, Any]:
    if not CODE.match(code):
        raise NotFoundError(404, "no such service")
    return await workspace.cases.service_type(None, code, language)


def _draft(session: Session, code: str) -> Draft:
    if session.draft is None or session.draft.service != code:
        session.draft = Draft(code)
    return session.draft


def _next(draft: Draft) -> str:
    """The first page not yet answered, or "check your answers" once all are."""
    missing = [page for page in PAGES if page not in draft.done]
    base = f"/report/{draft.service}"
    if not missing:
        return f"{base}/check"
    return base if missing[0] == "details" else f"{base}/{missing[0]}"


def _page(
    request: Request,
    workspace: Workspace,
    session: Session,
    template: str,
    context: dict[str, Any],
    checked: Checked | None = None,
) -> Response:
    if checked is not None:
        context |= {"form": checked, "errors": checked.errors}
    elif session.draft is not None:
        context |= {"form": Checked(dict(session.draft.values))}
    status = 400 if checked is not None and not checked.ok else 200
    return workspace.pages.render(request, session, template, context, status_code=status)


@router.get("")
async def catalogue(request: Request, workspace: WorkspaceDep, session: AnySession) -> Response:
    types = await workspace.cases.service_types(None, session.language)
    context = {"service_types": sorted(types, key=lambda t: str(t["name"]))}
    return workspace.pages.render(request, session, "resident/catalogue.html", context)


@router.get("/confirmation")
async def confirmation(request: Request, workspace: WorkspaceDep, session: AnySession) -> Response:
    if not session.sent:
        return _redirect("/report")
    token = token_for(workspace, session, session.sent["reference"])
    context = {
        "sent": session.sent,
        "following": token is not None,
        "evidence": await evidence.sent_files(workspace, session, token),
    }
    return workspace.pages.render(request, session, "resident/confirmation.html", context)


@router.get("/{code}")
async def details_page(
    request: Request, code: str, workspace: WorkspaceDep, session: AnySession
) -> Response:
    service_type = await _service_type(workspace, code, session.language)
    _draft(session, code)
    context = {"service_type": service_type, "fields": schema_form.fields(service_type["form"])}
    return _page(request, workspace, session, "resident/details.html", context)


@router.post("/{code}")
async def details(
    request: Request,
    code: str,
    workspace: WorkspaceDep,
    session: AnySession,
    form: Form,
    lists: FormLists,
) -> Response:
    service_type = await _service_type(workspace, code, session.language)
    generated = schema_form.fields(service_type["form"])
    found, checked = schema_form.read(generated, form, lists)
    described = answers.description(form)
    checked.values |= described.values
    checked.errors += described.errors
    if not checked.ok:
        context = {"service_type": service_type, "fields": generated}
        return _page(request, workspace, session, "resident/details.html", context, checked)
    draft = _draft(session, code)
    draft.values |= checked.values
    draft.details = found
    draft.done.add("details")
    return _redirect(_next(draft))


@router.get("/{code}/where")
async def where_page(
    request: Request, code: str, workspace: WorkspaceDep, session: AnySession
) -> Response:
    service_type = await _service_type(workspace, code, session.language)
    if "details" not in _draft(session, code).done:
        return _redirect(f"/report/{code}")
    context = {"service_type": service_type}
    return _page(request, workspace, session, "resident/where.html", context)


@router.post("/{code}/where")
async def where(
    request: Request, code: str, workspace: WorkspaceDep, session: AnySession, form: Form
) -> Response:
    service_type = await _service_type(workspace, code, session.language)
    checked = answers.where(form, bool(service_type.get("location_required")))
    if not checked.ok:
        context = {"service_type": service_type}
        return _page(request, workspace, session, "resident/where.html", context, checked)
    draft = _draft(session, code)
    draft.values |= checked.values
    draft.done.add("where")
    return _redirect(_next(draft))


@router.get("/{code}/contact")
async def contact_page(
    request: Request, code: str, workspace: WorkspaceDep, session: AnySession
) -> Response:
    service_type = await _service_type(workspace, code, session.language)
    if not {"details", "where"} <= _draft(session, code).done:
        return _redirect(_next(_draft(session, code)))
    context = {"service_type": service_type}
    return _page(request, workspace, session, "resident/contact.html", context)


@router.post("/{code}/contact")
async def contact(
    request: Request, code: str, workspace: WorkspaceDep, session: AnySession, form: Form
) -> Response:
    service_type = await _service_type(workspace, code, session.language)
    checked = answers.contact(form)
    if not checked.ok:
        context = {"service_type": service_type}
        return _page(request, workspace, session, "resident/contact.html", context, checked)
    draft = _draft(session, code)
    draft.values |= checked.values
    draft.done.add("contact")
    return _redirect(_next(draft))


def _check_page(
    request: Request,
    workspace: Workspace,
    session: Session,
    service_type: dict[str, Any],
    checked: Checked | None = None,
) -> Response:
    context = {"service_type": service_type, "fields": schema_form.fields(service_type["form"])}
    return _page(request, workspace, session, "resident/check.html", context, checked)


@router.get("/{code}/check")
async def check_page(
    request: Request, code: str, workspace: WorkspaceDep, session: AnySession
) -> Response:
    service_type = await _service_type(workspace, code, session.language)
    draft = _draft(session, code)
    if len(draft.done) < len(PAGES):
        return _redirect(_next(draft))
    return _check_page(request, workspace, session, service_type)


@router.post("/{code}/check")
async def send(
    request: Request, code: str, workspace: WorkspaceDep, session: AnySession, form: Form
) -> Response:
    """With a contact: identity sends the code that proves it (the request is sent once
    it comes back). Without: the request goes to cases anonymously, now."""
    service_type = await _service_type(workspace, code, session.language)
    draft = _draft(session, code)
    if len(draft.done) < len(PAGES):
        return _redirect(_next(draft))
    v = draft.values
    if v["how"] in ("email", "phone"):
        contact = {name: v[name] for name in ("given_name", "family_name")}
        contact[v["how"]] = v[v["how"]]
        checked = Checked(dict(v))
        reference = await codes.send(workspace, session, contact, checked, "contact")
        if reference is None:
            return _check_page(request, workspace, session, service_type, checked)
        session.pending = PendingCode(reference, v[v["how"]])
        return _redirect(f"/report/{code}/code")
    try:
        await sending.submit(workspace, session, service_type, None)
    except InvalidError:
        checked = Checked(dict(v))
        checked.error("details", NOT_ACCEPTED)
        return _check_page(request, workspace, session, service_type, checked)
    return _redirect("/report/confirmation")


@router.get("/{code}/code")
async def code_page(
    request: Request, code: str, workspace: WorkspaceDep, session: AnySession
) -> Response:
    service_type = await _service_type(workspace, code, session.language)
    if session.pending is None or session.pending.following or session.draft is None:
        return _redirect(f"/report/{code}/check")
    context = {"service_type": service_type, "sent_to": session.pending.sent_to}
    return workspace.pages.render(request, session, "resident/code.html", context)


@router.post("/{code}/code")
async def redeem(
    request: Request,
    code: str,
    workspace: WorkspaceDep,
    session: AnySession,
    form: Form,
    client: ClientAddress,
) -> Response:
    """The code proves the contact: its token sends the request as the resident's."""
    service_type = await _service_type(workspace, code, session.language)
    pending = session.pending
    if pending is None or pending.following or session.draft is None:
        return _redirect(f"/report/{code}/check")
    checked, visit = await codes.redeem(workspace, session, form, client)
    if visit is not None:
        try:
            await sending.submit(workspace, session, service_type, visit.access_token)
        except InvalidError:
            checked.error("code", NOT_ACCEPTED)
        else:
            await codes.follow_reported(workspace, session, visit.access_token)
            return _redirect(evidence.after_sending(workspace, session))
    context = {"service_type": service_type, "sent_to": pending.sent_to, "form": checked}
    context["errors"] = checked.errors
    return workspace.pages.render(request, session, "resident/code.html", context, status_code=400)
