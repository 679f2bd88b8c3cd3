"""Signing in and out through identity, and choosing a language."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web import forms
from townhall.web.i18n import N_, choose
from townhall.web.officer.dependencies import (
    AnySession,
    ClientAddress,
    Form,
    WorkspaceDep,
)
from townhall.web.sessions import Officer
from townhall.web.upstream import NotSignedInError, ThrottledError, UpstreamError

router = APIRouter(prefix="/officer", include_in_schema=False)
WRONG = N_("Enter a correct email address and password")
TOO_MANY = N_("Too many attempts to sign in. Wait a minute, then try again.")
SIGNED_OUT = N_("You have signed out.")


def _claims(token: str) -> dict[str, Any]:
    """The access token's claims, read to show who is signed in (never to decide
    access: every service verifies the token itself)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/sign-in")
async def sign_in_page(request: Request, workspace: WorkspaceDep, session: AnySession) -> Response:
    if session.signed_in:
        return _redirect("/officer")
    return workspace.pages.render(request, session, "officer/sign_in.html")


@router.post("/sign-in")
async def sign_in(
    request: Request,
    workspace: WorkspaceDep,
    session: AnySession,
    form: Form,
    client: ClientAddress,
) -> Response:
    checked = forms.sign_in(form)
    if checked.ok:
        try:
            issued = await workspace.identity.sign_in(
                checked.values["email"], form.get("password", ""), client
            )
        except NotSignedInError:
            checked.error("email", WRONG)
        except ThrottledError:
            checked.error("email", TOO_MANY)
        else:
            claims = _claims(issued.access_token)
            roles = tuple((r["domain"], r["clearance"]) for r in claims.get("roles", []))
            workspace.sessions.renew(session)
            session.officer = Officer(str(claims.get("sub", "")), checked.values["email"], roles)
            workspace.start(session, issued.access_token, issued.refresh_token, issued.expires_in)
            return _redirect("/officer")
    context = {"form": checked, "errors": checked.errors}
    return workspace.pages.render(
        request, session, "officer/sign_in.html", context, status_code=400
    )


@router.post("/sign-out")
async def sign_out(
    request: Request, workspace: WorkspaceDep, session: AnySession, form: Form
) -> Response:
    tokens, language = session.tokens, session.language
    await workspace.sessions.end(session)
    if tokens is not None:
        # signed out here whatever identity says; its session expires by itself
        with contextlib.suppress(UpstreamError):
            await workspace.identity.sign_out(tokens.refresh)
    fresh = workspace.sessions.new(language)
    fresh.flash = SIGNED_OUT
    request.state.session = fresh
    return _redirect("/officer/sign-in")


@router.post("/language")
async def language(session: AnySession, form: Form) -> Response:
    session.language = choose(form.get("language"))
    target = form.get("next", "")
    local = target.startswith("/officer") and not target.startswith("//")
    return _redirect(target if local else "/officer")
