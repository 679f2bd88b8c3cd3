"""Creating an account: a name, an email address and a password; identity sends a code
to the email, and the code proves it and signs the resident in (identity's ``ACCOUNT``
level). Identity answers the same whether or not the email already has an account (its
owner is told by email instead), so this page cannot be used to find out.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web.forms import Checked
from townhall.web.i18n import N_
from townhall.web.officer.dependencies import AnySession, ClientAddress, Form, WorkspaceDep
from townhall.web.resident import answers, codes
from townhall.web.resident.account_api import AccountApi
from townhall.web.resident.account_session import open_account
from townhall.web.sessions import PendingCode
from townhall.web.upstream import InvalidError, NotSignedInError, ThrottledError

router = APIRouter(prefix="/account/sign-up", include_in_schema=False)
NAMES = {"given_name": N_("Enter your first name"), "family_name": N_("Enter your last name")}
NAME_TOO_LONG = N_("Names must be 100 characters or fewer")
EMAIL = N_("Enter an email address in the correct format, like name@example.org")
PASSWORD_LENGTH = N_("Your password must be between 12 and 256 characters")
#: Identity's limits on an account's password.
PASSWORD_MIN, PASSWORD_MAX = 12, 256


def check(form: Mapping[str, str]) -> Checked:
    names = ("given_name", "family_name", "email")
    checked = Checked({name: str(form.get(name, "")).strip() for name in names})
    for name, message in NAMES.items():
        value = checked.values[name]
        if not value:
            checked.error(name, message)
        elif len(value) > 100:
            checked.error(name, NAME_TOO_LONG)
    email = checked.values["email"]
    local, _, domain = email.partition("@")
    if not (local and "." in domain.strip(".") and len(email) <= 254 and " " not in email):
        checked.error("email", EMAIL)
    if not PASSWORD_MIN <= len(str(form.get("password", ""))) <= PASSWORD_MAX:
        checked.error("password", PASSWORD_LENGTH)
    return checked


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("")
async def sign_up_page(request: Request, workspace: WorkspaceDep, session: AnySession) -> Response:
    return workspace.pages.render(request, session, "resident/account/sign_up.html")


@router.post("")
async def sign_up(
    request: Request, workspace: WorkspaceDep, session: AnySession, form: Form
) -> Response:
    checked = check(form)
    if checked.ok:
        account = {
            **checked.values,
            "password": form.get("password", ""),
            "preferred_language": session.language,
        }
        try:
            reference = await AccountApi.of(workspace).sign_up(account)
        except ThrottledError:
            checked.error("email", codes.TOO_MANY_SENT)
        except InvalidError:
            checked.error("email", codes.NOT_SENDABLE)
        else:
            session.signing_up = PendingCode(reference, checked.values["email"])
            return _redirect("/account/sign-up/code")
    context = {"form": checked, "errors": checked.errors}
    return workspace.pages.render(
        request, session, "resident/account/sign_up.html", context, status_code=400
    )


@router.get("/code")
async def code_page(request: Request, workspace: WorkspaceDep, session: AnySession) -> Response:
    if session.signing_up is None:
        return _redirect("/account/sign-up")
    context = {"sent_to": session.signing_up.sent_to}
    return workspace.pages.render(request, session, "resident/account/sign_up_code.html", context)


@router.post("/code")
async def prove_email(
    request: Request,
    workspace: WorkspaceDep,
    session: AnySession,
    form: Form,
    client: ClientAddress,
) -> Response:
    pending = session.signing_up
    if pending is None:
        return _redirect("/account/sign-up")
    checked = answers.code(form)
    if checked.ok:
        api = AccountApi.of(workspace)
        try:
            issued = await api.prove_email(pending.reference, checked.values["code"], client)
        except (NotSignedInError, InvalidError):
            checked.error("code", codes.WRONG)
        except ThrottledError:
            checked.error("code", codes.TOO_MANY)
        else:
            await open_account(workspace, session, issued)
            return _redirect("/account")
    context = {"sent_to": pending.sent_to, "form": checked, "errors": checked.errors}
    return workspace.pages.render(
        request, session, "resident/account/sign_up_code.html", context, status_code=400
    )
