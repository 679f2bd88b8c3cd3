"""Upload evidence: right after a request is sent, for a type that asks for evidence
(``evidence_required``: a parking permit's proof of address, a discount's), while the
resident holds the token that follows the request (they proved their contact with a
code). Nothing reaches cases before "check your answers", so files wait until there is
a request to add them to; an anonymous request cannot take files online (its
confirmation says the council will ask).

One or more files per upload, with no JavaScript (a plain ``multiple`` file input).
Each goes on to cases, which checks it by its content; what cases refuses is named in
the error summary, what it accepted stays listed, and the resident chooses again or
continues to the confirmation.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from townhall.runtime.hardening import LargerBody
from townhall.web.evidence import Evidence, EvidenceRefusedError
from townhall.web.forms import Checked
from townhall.web.i18n import N_, translations
from townhall.web.officer.dependencies import AnySession, WorkspaceDep
from townhall.web.officer.workspace import FormExpired, Workspace
from townhall.web.resident.track import token_for
from townhall.web.sessions import CSRF_FIELD, Session
from townhall.web.upstream import UpstreamError

router = APIRouter(prefix="/report/evidence", include_in_schema=False)
FIELD = "file"
#: What a form carries beside its files (boundaries, headers, the CSRF token).
OVERHEAD_BYTES = 64 * 1024
CHOOSE = N_("Select a file to upload")
REFUSED = {
    "type": N_("%(name)s must be a JPG, PNG or PDF"),
    "too_large": N_("%(name)s must be smaller than %(size)s"),
    "empty": N_("%(name)s is empty"),
    "too_many": N_("You can upload %(count)s files at most"),
    "closed": N_("This request is finished, so it cannot take more files"),
    "form": CHOOSE,
}
TOO_LARGE = N_("The selected files must be smaller than %(size)s in total")
UPLOADED = N_("Your files have been uploaded.")


def upload_allowance(max_body_bytes: int) -> LargerBody:
    """The upload's own body limit (``WEB_EVIDENCE_MAX_BODY_BYTES``): files are larger
    than any other form."""
    return LargerBody("POST", router.prefix, max_body_bytes)


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _following(workspace: Workspace, session: Session) -> tuple[str, str] | None:
    """The request just sent, if it asks for evidence, and the token that follows it."""
    reference = session.sent.get("reference") if session.sent else None
    if not reference or not session.sent.get("evidence"):
        return None
    token = token_for(workspace, session, reference)
    return None if token is None else (reference, token)


def after_sending(workspace: Workspace, session: Session) -> str:
    """Where a request just sent goes next: upload its evidence when it asks for some
    and the resident follows it, else its confirmation."""
    return "/report/evidence" if _following(workspace, session) else "/report/confirmation"


async def sent_files(
    workspace: Workspace, session: Session, token: str | None
) -> list[dict[str, Any]] | None:
    """The files sent with the request just sent (None: it asks for none, nobody
    follows it, or cases did not say, so the confirmation leaves them out)."""
    if token is None or not session.sent.get("evidence"):
        return None
    try:
        listing = await Evidence(workspace.cases.client).files(token, session.sent["reference"])
    except UpstreamError:
        return None
    items: list[dict[str, Any]] = listing["items"]
    return items


def size_text(max_bytes: int) -> str:
    """A size as GOV.UK writes it: "10MB", "500KB"."""
    megabytes = max_bytes / (1024 * 1024)
    if megabytes >= 1:
        return f"{megabytes:g}MB"
    return f"{max(1, max_bytes // 1024)}KB"


def page(
    request: Request,
    workspace: Workspace,
    session: Session,
    listing: dict[str, Any],
    later: str | None = None,
    problems: list[str] | None = None,
) -> Response:
    """The upload page: straight after reporting, or ``later`` (the reference of a
    request followed on its tracking page); with what went wrong, in ``problems``."""
    context: dict[str, Any] = {
        "sent": session.sent,
        "later": later,
        "files": listing["items"],
        "remaining": listing["remaining"],
        "max_size": size_text(int(listing["max_bytes"])),
        "file_error": problems[0] if problems else None,
    }
    if problems:
        checked = Checked({})
        for problem in problems:
            checked.error(FIELD, problem.replace("%", "%%"))  # shown through gettext's % once
        context |= {"form": checked, "errors": checked.errors}
    status = 400 if problems else 200
    return workspace.pages.render(
        request, session, "resident/evidence.html", context, status_code=status
    )


@router.get("")
async def evidence_page(request: Request, workspace: WorkspaceDep, session: AnySession) -> Response:
    following = _following(workspace, session)
    if following is None:
        return _redirect("/report/confirmation")
    listing = await Evidence(workspace.cases.client).files(*reversed(following))
    return page(request, workspace, session, listing)


@router.post("")
async def upload(request: Request, workspace: WorkspaceDep, session: AnySession) -> Response:
    """Each file chosen goes on to cases; any it refuses are named in the error summary."""
    following = _following(workspace, session)
    if following is None:
        return _redirect("/report/confirmation")
    reference, token = following
    evidence = Evidence(workspace.cases.client)
    listing = await evidence.files(token, reference)
    problems = await receive(request, session, evidence, token, reference, listing)
    if not problems:
        session.flash = UPLOADED
        return _redirect("/report/evidence")
    listing = await evidence.files(token, reference)
    return page(request, workspace, session, listing, problems=problems)


async def receive(
    request: Request,
    session: Session,
    evidence: Evidence,
    token: str,
    reference: str,
    listing: dict[str, Any],
) -> list[str]:
    """Send each file posted on to cases (``listing``: its files before); what went
    wrong, in the page's language (nothing: every file was kept)."""
    gettext = translations(session.language).gettext
    problems: list[str] = []
    declared = request.headers.get("content-length", "")
    bound = int(listing["remaining"]) * int(listing["max_bytes"]) + OVERHEAD_BYTES
    if not declared.isdigit() or int(declared) > bound:
        # refused unread: a body larger than every file the request may still take
        size = size_text(int(listing["max_bytes"]) * max(1, int(listing["remaining"])))
        problems.append(gettext(TOO_LARGE) % {"size": size})
    else:
        problems = await _send(request, session, evidence, token, reference, listing)
    return problems


async def _send(
    request: Request,
    session: Session,
    evidence: Evidence,
    token: str,
    reference: str,
    listing: dict[str, Any],
) -> list[str]:
    """Send each file chosen to cases; what went wrong, in the page's language."""
    gettext = translations(session.language).gettext
    try:
        form = await request.form(max_files=max(1, int(listing["remaining"])), max_fields=8)
    except (MultiPartException, HTTPException) as exc:  # Starlette words the parser's refusal
        if "Too many files" not in str(getattr(exc, "detail", None) or exc):
            raise
        count = int(listing["remaining"]) + len(listing["items"])
        return [gettext(REFUSED["too_many"]) % {"count": count}]
    csrf = form.get(CSRF_FIELD)
    if not session.csrf_matches(csrf if isinstance(csrf, str) else None):
        raise FormExpired()
    chosen = [f for f in form.getlist(FIELD) if isinstance(f, UploadFile) and f.filename]
    if not chosen:
        return [gettext(CHOOSE)]
    problems: list[str] = []
    size = size_text(int(listing["max_bytes"]))
    count = int(listing["remaining"]) + len(listing["items"])
    for file in chosen:
        name = file.filename or ""
        try:
            await evidence.add(token, reference, name, file.file, file.content_type or "")
        except EvidenceRefusedError as refused:
            message = gettext(REFUSED.get(refused.kind, CHOOSE))
            problems.append(message % {"name": name, "size": size, "count": count})
    return problems
