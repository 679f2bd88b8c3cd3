"""My account over HTTP, with identity, resident-view, cases, payments and booking faked
at the HTTP boundary: signing in, the pages and what each sends with the resident's
token, the choices that change identity's record, the export prepared in the
background, and that mistakes and forms without their CSRF token change nothing."""

from __future__ import annotations

import asyncio
import base64
import html
import io
import json
import re
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from townhall.web.app import create
from townhall.web.config import WebSettings
from townhall.web.officer.dependencies import composition
from townhall.web.resident.account_export import KEPT_S
from townhall.web.sessions import COOKIE, Session

RESIDENT = "0b7e5d2a-5f1c-4c57-9a61-3f1f3c1d2e01"
EMAIL = "ada@example.org"
PASSWORD = "a long enough password"
REFERENCE = "PC-2026-000042"
CODE = "123456"
CURSOR = "eyJ0IjoiMjAyNiJ9"
WRITES = ("PUT", "DELETE")


def _token(name: str) -> str:
    claims = base64.urlsafe_b64encode(json.dumps({"sub": RESIDENT}).encode()).decode()
    return f"e30.{claims.rstrip('=')}.{name}"


TOKEN = _token("account")
RECORD = {
    "id": RESIDENT,
    "names": [{"given": "Ada", "family": "Example"}],
    "contact_points": [{"kind": "email", "value": EMAIL, "verified": True}],
    "preferred_language": "en",
    "loa": 1,
}
ENTRY = {
    "time": "2026-12-05T09:30:00+00:00",
    "type": "townhall.cases.case.submitted.v1",
    "summary": "Request submitted",
    "case_reference": REFERENCE,
    "data": {},
}
PDF = b"%PDF-1.7\n%%EOF\n"
EVIDENCE = {
    "id": "5d1c2b8e-0d1e-4a43-9a63-0c6b2f5f7a10",
    "filename": "tenancy.pdf",
    "content_type": "application/pdf",
    "size_bytes": len(PDF),
    "added_by": f"resident:{RESIDENT}",
    "created_at": "2026-12-05T10:00:00+00:00",
}
OLDER = {**ENTRY, "type": "townhall.identity.resident.registered.v1", "summary": "Registered"}


@dataclass
class Upstreams:
    calls: list[tuple[str, str, Any, str | None]] = field(default_factory=list)
    consents: set[str] = field(default_factory=lambda: {"parking"})
    language: str = "en"
    contact: dict[str, Any] = field(
        default_factory=lambda: {"channels": ["email"], "language": None, "non_essential": True}
    )
    down: set[str] = field(default_factory=set)
    #: Answer the timeline with something that is not a page of it.
    garbled: bool = False
    #: The history's first page, when not the usual one.
    history: list[dict[str, Any]] | None = None
    #: Why each read of the timeline said it looked.
    purposes: list[str] = field(default_factory=list)
    #: Reads for an export wait for ``gate`` once they have said they ``reached`` it.
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    gate: asyncio.Event | None = None
    #: Cases no longer gives the evidence file when the export is downloaded.
    files_gone: bool = False

    async def answer(self, request: Request) -> Response:
        body = json.loads(await request.body() or b"null")
        token = request.headers.get("authorization")
        path, method = request.url.path, request.method
        self.calls.append((method, path, body, token))
        if request.url.hostname in self.down:
            return JSONResponse({"detail": "down"}, 503)
        if path == "/auth/resident-token":
            if body["password"] != PASSWORD:
                return JSONResponse({"detail": "wrong"}, 401)
            return JSONResponse({"access_token": TOKEN, "refresh_token": "r", "expires_in": 900})
        if path == "/accounts":
            return JSONResponse({"reference": "TH-ABCDEFGH", "expires_in": 600}, 202)
        if path == "/auth/codes/redeem":
            if body["code"] != CODE:
                return JSONResponse({"detail": "wrong code"}, 401)
            return JSONResponse({"access_token": TOKEN, "refresh_token": "r", "expires_in": 900})
        if token != f"Bearer {TOKEN}":
            return JSONResponse({"detail": "who?"}, 401)
        return await self._signed_in(request, method, path, body)

    async def _signed_in(self, request: Request, method: str, path: str, body: Any) -> Response:
        mine = f"/residents/{RESIDENT}"
        if path == mine:
            return JSONResponse({**RECORD, "preferred_language": self.language})
        if path == f"{mine}/consents":
            return JSONResponse({"resident_id": RESIDENT, "domains": sorted(self.consents)})
        if path.startswith(f"{mine}/consents/"):
            domain = path.rsplit("/", 1)[1]
            (self.consents.add if method == "PUT" else self.consents.discard)(domain)
            return Response(status_code=204)
        if path == f"{mine}/preferences" and method == "PUT":
            self.contact = body
            return JSONResponse({"resident_id": RESIDENT, **body})
        if path == f"{mine}/preferences":
            return JSONResponse({"resident_id": RESIDENT, **self.contact})
        if path == f"{mine}/preferred-language":
            self.language = body["language"]
            return Response(status_code=204)
        if path == f"{mine}/timeline":
            if self.garbled:
                return JSONResponse(["not", "a", "page"])
            purpose = request.query_params["purpose"]
            self.purposes.append(purpose)
            if purpose == "subject access request" and self.gate is not None:
                self.reached.set()
                await self.gate.wait()
            cursor = request.query_params.get("cursor")
            if cursor not in (None, CURSOR):
                return JSONResponse({"detail": "bad cursor"}, 400)
            entries, following = ([OLDER], None) if cursor else ([ENTRY], CURSOR)
            if self.history is not None and not cursor:
                entries = self.history
            page = {"entries": entries, "next_cursor": following}
            return JSONResponse({**page, "withheld_until_verified": False})
        if path == f"{mine}/access-log":
            look = {"at": ENTRY["time"], "viewer": "officer-7", "viewer_kind": "officer"}
            return JSONResponse([{**look, "purpose": "rats complaint", "entry_ids": ["e1"]}])
        if path == "/residents/me/cases":
            case = {"reference": REFERENCE, "service_name": "Pest control"}
            return JSONResponse([{**case, "status": "triaged", "submitted_at": ENTRY["time"]}])
        if path == f"/cases/{REFERENCE}/evidence":
            return JSONResponse({"items": [EVIDENCE], "remaining": 9, "max_bytes": 10485760})
        if path == f"/cases/{REFERENCE}/evidence/{EVIDENCE['id']}":
            if self.files_gone:
                return JSONResponse({"detail": "gone"}, 404)
            return Response(PDF, media_type="application/pdf")
        if path == "/residents/me/payments":
            return JSONResponse([{"payment_id": "pay-1", "amount": 6500}])
        if path == "/residents/me/appointments":
            return JSONResponse([{"appointment_id": "apt-1", "status": "confirmed"}])
        return JSONResponse({"detail": "not found"}, 404)

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p, _, _ in self.calls if m in WRITES]


@pytest.fixture
def upstreams() -> Upstreams:
    return Upstreams()


@pytest.fixture
async def app(upstreams: Upstreams) -> AsyncIterator[FastAPI]:
    stub = Starlette(
        routes=[Route("/{path:path}", upstreams.answer, methods=["GET", "POST", *WRITES])]
    )
    names = ("identity", "cases", "resident-view", "payments", "booking", "notifications")
    urls = {name: f"http://{name}.internal" for name in names}
    transports = {name: httpx.ASGITransport(app=stub) for name in names}
    web = create(
        WebSettings(SERVICE_URLS_JSON=urls, ENVIRONMENT="development"), transports=transports
    )
    async with web.router.lifespan_context(web):
        yield web


@pytest.fixture
async def web(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    front = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=front, base_url="http://townhall.example") as client:
        yield client


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the page has a form with its CSRF token"
    return found.group(1)


async def _sign_in(web: httpx.AsyncClient, password: str = PASSWORD) -> httpx.Response:
    page = await web.get("/account/sign-in")
    form = {"csrf_token": _csrf(page), "email": EMAIL, "password": password}
    return await web.post("/account/sign-in", data=form)


def _session(app: FastAPI, web: httpx.AsyncClient) -> Session:
    session = composition.of(app).sessions.get(web.cookies.get(COOKIE))
    assert session is not None
    return session


async def test_signing_in_opens_the_account_under_a_new_session_id(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await web.get("/account/sign-in")
    before = web.cookies.get(COOKIE)

    signed_in = await _sign_in(web)

    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/account"
    assert web.cookies.get(COOKIE) != before
    home = await web.get("/account")
    assert home.status_code == 200 and "Ada Example" in home.text
    assert ("POST", "/auth/resident-token") in [(m, p) for m, p, _, _ in upstreams.calls]


async def test_a_wrong_password_or_an_empty_form_shows_the_error_summary_and_signs_nobody_in(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    wrong = await _sign_in(web, password="not it")
    assert wrong.status_code == 400 and "govuk-error-summary" in wrong.text
    assert "Enter a correct email address and password" in wrong.text

    page = await web.get("/account/sign-in")
    calls = len(upstreams.calls)
    empty = await web.post("/account/sign-in", data={"csrf_token": _csrf(page)})
    assert empty.status_code == 400 and "Enter your email address" in empty.text
    assert len(upstreams.calls) == calls, "nothing is sent to identity"
    assert (await web.get("/account")).headers["location"] == "/account/sign-in"


async def test_creating_an_account_proves_the_email_with_its_code_and_signs_in(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    page = await web.get("/account/sign-up")
    account = {"given_name": "Ada", "family_name": "Example", "email": EMAIL}
    started = await web.post(
        "/account/sign-up", data={"csrf_token": _csrf(page), **account, "password": PASSWORD}
    )
    assert started.headers["location"] == "/account/sign-up/code"
    [(_, _, sent, _)] = [c for c in upstreams.calls if c[1] == "/accounts"]
    assert sent == {**account, "password": PASSWORD, "preferred_language": "en"}

    code_page = await web.get("/account/sign-up/code")
    assert EMAIL in code_page.text
    wrong = await web.post(
        "/account/sign-up/code", data={"csrf_token": _csrf(code_page), "code": "999999"}
    )
    assert wrong.status_code == 400 and "The code is wrong or has expired" in wrong.text
    before = web.cookies.get(COOKIE)
    right = await web.post(
        "/account/sign-up/code", data={"csrf_token": _csrf(code_page), "code": CODE}
    )

    assert right.headers["location"] == "/account" and web.cookies.get(COOKIE) != before
    assert "Ada Example" in (await web.get("/account")).text


async def test_a_sign_up_with_mistakes_shows_each_and_sends_nothing(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    page = await web.get("/account/sign-up")
    form = {
        "csrf_token": _csrf(page),
        "given_name": " ",
        "email": "not-an-email",
        "password": "short",
    }

    refused = await web.post("/account/sign-up", data=form)
    stale = await web.post("/account/sign-up", data={**form, "csrf_token": "forged"})

    assert refused.status_code == 400 and "govuk-error-summary" in refused.text
    for message in (
        "Enter your first name",
        "Enter your last name",
        "correct format",
        "12 and 256",
    ):
        assert message in refused.text
    assert 'value="not-an-email"' in refused.text, "what was typed is kept"
    assert stale.status_code == 403
    assert upstreams.calls == []
    assert (await web.get("/account/sign-up/code")).headers["location"] == "/account/sign-up"


async def test_account_pages_send_a_visitor_without_an_account_to_sign_in(
    web: httpx.AsyncClient,
) -> None:
    for path in ("/account", "/account/history", "/account/access-log", "/account/export"):
        answer = await web.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/account/sign-in")


async def test_a_resident_whose_language_is_welsh_gets_welsh_pages_once_signed_in(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    upstreams.language = "cy"
    await _sign_in(web)
    home = await web.get("/account")
    assert '<html lang="cy"' in home.text


async def test_my_requests_link_to_their_tracking_page_followed_with_the_account(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await _sign_in(web)
    listed = await web.get("/account/requests")
    assert f'href="/account/requests/{REFERENCE}"' in listed.text
    assert "Being looked at" in listed.text

    followed = await web.get(f"/account/requests/{REFERENCE}")
    assert followed.headers["location"] == f"/track/{REFERENCE}"
    await web.get(f"/track/{REFERENCE}")
    tracking = [t for m, p, _, t in upstreams.calls if p == f"/tracking/{REFERENCE}"]
    assert tracking == [f"Bearer {TOKEN}"], "the tracking page asks with the account's token"
    assert (await web.get("/account/requests/not-a-reference")).status_code == 404


async def test_my_history_is_paged_newest_first_and_a_bad_page_is_not_found(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await _sign_in(web)
    first = await web.get("/account/history")
    assert "We received your request" in first.text
    assert f"/account/history?cursor={CURSOR}" in first.text
    older = await web.get("/account/history", params={"cursor": CURSOR})
    assert "Registered" in older.text and 'rel="prev"' in older.text
    assert upstreams.purposes == ["own history", "own history"]

    assert (await web.get("/account/history", params={"cursor": "<script>"})).status_code == 404
    assert len(upstreams.purposes) == 2, "a malformed page is not asked for"
    assert (await web.get("/account/history", params={"cursor": "unknown"})).status_code == 404


async def test_my_history_in_welsh_words_each_entry_from_its_summary_code(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    coded = [
        ("registered", {"channel": "online"}, "Registered with the council (online)"),
        ("paid", {"amount_pence": 6500, "reference": REFERENCE}, f"Paid £65.00 for {REFERENCE}"),
        ("contact_logged", {"channel": "letter", "reason": "payment"}, "Contacted the council"),
        ("erased", {}, "Personal data erased"),
    ]
    upstreams.history = [
        {**ENTRY, "type": "townhall.example.x.v1", "summary": english}
        | {"summary_code": code, "summary_params": params}
        for code, params, english in coded
    ]
    await _sign_in(web)
    await web.get("/language", params={"to": "cy", "next": "/account/history"})
    page = html.unescape((await web.get("/account/history")).text)

    assert [english for *_, english in coded if english in page] == []
    assert "Cawsoch eich cofrestru gyda'r cyngor ar-lein" in page
    assert f"Gwnaethoch dalu £65.00 am {REFERENCE}" in page
    assert "Cysylltoch â'r cyngor drwy lythyr: taliad" in page
    assert "Dilëwyd data personol" in page


async def test_the_access_log_says_who_looked_when_and_why(web: httpx.AsyncClient) -> None:
    await _sign_in(web)
    log = await web.get("/account/access-log")
    assert "A council officer" in log.text and "rats complaint" in log.text
    assert "They saw 1 entry." in log.text


async def test_changing_consents_grants_and_withdraws_only_what_changed(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await _sign_in(web)
    page = await web.get("/account/consents")
    assert 'value="parking" checked' in page.text

    saved = await web.post(
        "/account/consents", data={"csrf_token": _csrf(page), "share": ["waste", "housing"]}
    )

    assert saved.headers["location"] == "/account/consents"
    assert sorted(upstreams.writes()) == [
        ("DELETE", f"/residents/{RESIDENT}/consents/parking"),
        ("PUT", f"/residents/{RESIDENT}/consents/housing"),
        ("PUT", f"/residents/{RESIDENT}/consents/waste"),
    ]
    assert "have been saved" in (await web.get("/account/consents")).text


async def test_a_service_not_offered_or_a_form_without_its_token_changes_no_consent(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await _sign_in(web)
    page = await web.get("/account/consents")

    forged = await web.post(
        "/account/consents", data={"csrf_token": _csrf(page), "share": ["waste", "admin"]}
    )
    stale = await web.post("/account/consents", data={"share": ["waste"]})

    assert forged.status_code == 400 and "govuk-error-summary" in forged.text
    assert "Choose from the services listed" in forged.text
    assert stale.status_code == 403 and "This form has expired" in stale.text
    assert upstreams.writes() == [] and upstreams.consents == {"parking"}


async def test_choosing_welsh_and_text_messages_saves_them_and_switches_the_pages(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await _sign_in(web)
    page = await web.get("/account/preferences")
    assert EMAIL in page.text and 'value="email" checked' in page.text
    form = {"csrf_token": _csrf(page), "language": "cy", "channel": "sms", "non_essential": "no"}

    saved = await web.post("/account/preferences", data=form)

    assert saved.headers["location"] == "/account/preferences"
    assert upstreams.writes() == [
        ("PUT", f"/residents/{RESIDENT}/preferred-language"),
        ("PUT", f"/residents/{RESIDENT}/preferences"),
    ]
    assert upstreams.language == "cy"
    assert upstreams.contact == {"channels": ["sms"], "language": None, "non_essential": False}
    assert '<html lang="cy"' in (await web.get("/account/preferences")).text


async def test_a_choice_not_offered_or_a_stale_form_changes_nothing(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await _sign_in(web)
    page = await web.get("/account/preferences")
    good = {"csrf_token": _csrf(page), "language": "cy", "channel": "sms", "non_essential": "no"}

    bad_language = await web.post("/account/preferences", data={**good, "language": "fr"})
    bad_channel = await web.post("/account/preferences", data={**good, "channel": "pigeon"})
    no_answer = await web.post("/account/preferences", data={**good, "non_essential": ""})
    stale = await web.post("/account/preferences", data={**good, "csrf_token": ""})

    assert bad_language.status_code == 400 and "Choose English or Welsh" in bad_language.text
    assert bad_channel.status_code == 400 and "govuk-error-summary" in bad_channel.text
    assert "Choose how we should contact you first" in bad_channel.text
    assert 'value="cy" checked' in bad_channel.text, "what was chosen is kept"
    assert no_answer.status_code == 400 and "not essential" in no_answer.text
    assert stale.status_code == 403
    assert upstreams.writes() == [] and upstreams.language == "en"
    assert '<html lang="en"' in (await web.get("/account/preferences")).text


async def test_without_notifications_the_page_offers_and_saves_the_language_only(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    upstreams.down = {"notifications.internal"}
    await _sign_in(web)
    page = await web.get("/account/preferences")
    assert page.status_code == 200 and 'name="channel"' not in page.text

    saved = await web.post(
        "/account/preferences", data={"csrf_token": _csrf(page), "language": "cy"}
    )

    assert saved.status_code == 303
    assert upstreams.writes() == [("PUT", f"/residents/{RESIDENT}/preferred-language")]


async def _prepared(app: FastAPI, web: httpx.AsyncClient) -> Session:
    page = await web.get("/account/export")
    started = await web.post("/account/export", data={"csrf_token": _csrf(page)})
    assert started.headers["location"] == "/account/export"
    session = _session(app, web)
    assert session.export is not None and session.export.task is not None
    await session.export.task
    return session


def _unzipped(download: httpx.Response) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The export's data and every file beside it, by its path in the zip."""
    assert download.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert archive.testzip() is None
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop("my-data.json")), files


async def test_the_export_is_prepared_in_the_background_then_downloaded_as_a_zip(
    app: FastAPI, web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await _sign_in(web)
    upstreams.gate = asyncio.Event()
    page = await web.get("/account/export")
    await web.post("/account/export", data={"csrf_token": _csrf(page)})
    session = _session(app, web)
    assert session.export is not None and session.export.task is not None
    await upstreams.reached.wait()  # the record and consents are in; the timeline is asked

    progress = await web.get("/account/export")
    assert 'http-equiv="refresh"' in progress.text
    assert "2 of 8 steps done" in progress.text and 'href="/account/export"' in progress.text
    assert "/account/export/download" not in progress.text
    again = await web.post("/account/export", data={"csrf_token": _csrf(progress)})
    assert again.status_code == 303 and session.export.done == 2, "one export at a time"
    upstreams.gate.set()
    await session.export.task
    assert upstreams.purposes == ["subject access request"] * 2

    ready = await web.get("/account/export")
    assert 'href="/account/export/download"' in ready.text
    download = await web.get("/account/export/download")

    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["content-disposition"].endswith('.zip"')
    held, files = _unzipped(download)
    assert held["record"]["names"][0]["given"] == "Ada"
    assert [e["summary"] for e in held["timeline"]] == ["Request submitted", "Registered"]
    assert held["requests"][0]["reference"] == REFERENCE
    assert held["payments"] == [{"payment_id": "pay-1", "amount": 6500}]
    assert held["visits"][0]["status"] == "confirmed"
    assert held["access_log"][0]["purpose"] == "rats complaint"
    assert held["consents"] == ["parking"] and held["incomplete"] == []
    path = f"evidence/{REFERENCE}/tenancy.pdf"
    assert held["evidence"] == {
        REFERENCE: [
            {
                "id": EVIDENCE["id"],
                "filename": "tenancy.pdf",
                "content_type": "application/pdf",
                "size_bytes": len(PDF),
                "added_at": EVIDENCE["created_at"],
                "added_by": "you",
                "file": path,
            }
        ]
    }
    assert files == {path: PDF}


async def test_a_file_cases_does_not_give_at_download_is_named_in_incomplete(
    app: FastAPI, web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await _sign_in(web)
    await _prepared(app, web)
    upstreams.files_gone = True

    held, files = _unzipped(await web.get("/account/export/download"))

    assert files == {}
    assert held["incomplete"] == ["evidence_files"]
    assert held["evidence"][REFERENCE][0]["file"] is None
    assert held["evidence"][REFERENCE][0]["filename"] == "tenancy.pdf"


async def test_the_export_names_what_a_service_did_not_answer(
    app: FastAPI, web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await _sign_in(web)
    upstreams.down = {"booking.internal"}
    await _prepared(app, web)
    held, _ = _unzipped(await web.get("/account/export/download"))
    assert held["incomplete"] == ["visits"] and held["visits"] is None
    assert held["payments"]


async def test_an_export_that_goes_wrong_keeps_nothing_and_can_be_asked_again(
    app: FastAPI, web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await _sign_in(web)
    upstreams.garbled = True
    session = await _prepared(app, web)
    assert session.export is not None and session.export.failed
    assert session.export.content is None and session.export.done == 2

    page = await web.get("/account/export")
    assert "We could not prepare your copy" in page.text
    assert 'http-equiv="refresh"' not in page.text
    assert (await web.get("/account/export/download")).status_code == 404
    upstreams.garbled = False
    assert (await _prepared(app, web)).export is not None
    assert (await web.get("/account/export/download")).status_code == 200


async def test_the_export_is_kept_for_a_limited_time_and_only_for_its_session(
    app: FastAPI, web: httpx.AsyncClient
) -> None:
    await _sign_in(web)
    session = await _prepared(app, web)
    front = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=front, base_url="http://townhall.example") as other:
        await _sign_in(other)
        assert (await other.get("/account/export/download")).status_code == 404

    sessions = composition.of(app).sessions
    now = sessions.clock()
    sessions.clock = lambda: now + KEPT_S + 1
    assert (await web.get("/account/export/download")).status_code == 404
    assert "Request my data" in (await web.get("/account/export")).text
    assert session.export is None


async def test_signing_out_drops_the_export_and_the_account(
    app: FastAPI, web: httpx.AsyncClient
) -> None:
    await _sign_in(web)
    session = await _prepared(app, web)
    page = await web.get("/account")
    out = await web.post("/account/sign-out", data={"csrf_token": _csrf(page)})
    assert out.headers["location"] == "/account/sign-in"
    assert session.export is None and session.resident is None
    assert (await web.get("/account/export/download")).headers["location"] == "/account/sign-in"
