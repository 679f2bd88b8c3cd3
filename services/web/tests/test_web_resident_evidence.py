"""Upload evidence, over HTTP: web in front of the real cases app (its evidence API, its
checks by content), identity faked at its HTTP boundary (the code, the tokens it gives,
signed by a test issuer cases trusts). A parking permit asks for evidence: once it is
sent, the resident uploads files; a bad one is named in the error summary, and the
files already uploaded stay."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from townhall.cases.entrypoints.api.app import create as create_cases
from townhall.cases.testing import settings_for
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.web.app import create
from townhall.web.config import WebSettings

CODE = "123456"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(3000)
PDF = b"%PDF-1.7\n%%EOF\n"
HTML = b"<html><body>not a photo</body></html>"
MAX_BYTES = 4096
PAT = "pat@example.org"


class Identity:
    """Identity as web sees it: a code for any contact, a level-0 token for it, and a
    token naming the request just sent."""

    def __init__(self, issuer: TestIssuer) -> None:
        self.issuer = issuer
        self.resident_id = str(uuid.uuid4())

    async def answer(self, request: Request) -> JSONResponse:
        body: dict[str, Any] = json.loads(await request.body() or b"{}")
        path = request.url.path
        if path == "/auth/tracking":
            return JSONResponse({"reference": "TH-ABCDEFGH", "expires_in": 600}, 202)
        if path == "/auth/codes/redeem" and body.get("code") == CODE:
            token = self.issuer.resident(self.resident_id, loa=0)
            return JSONResponse({"access_token": token, "expires_in": 900})
        if path == "/auth/tracking/request":
            token = self.issuer.tracking(self.resident_id, body["request_reference"])
            return JSONResponse({"access_token": token, "expires_in": 600})
        return JSONResponse({"detail": "not found"}, 404)


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    issuer = TestIssuer(tmp_path)
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}",
        issuer,
        evidence_dir=tmp_path / "evidence",
        evidence_max_bytes=MAX_BYTES,
        evidence_max_files=3,
    )
    cases = create_cases(settings, data_keys=FakeDataKeys())
    identity = Starlette(routes=[Route("/{path:path}", Identity(issuer).answer, methods=["POST"])])
    urls = {name: f"http://{name}.internal" for name in ("identity", "cases")}
    transports = {
        "identity": httpx.ASGITransport(app=identity),
        "cases": httpx.ASGITransport(app=cases),
    }
    # every other form is limited far below a file: the upload has its own limit
    settings = WebSettings(
        SERVICE_URLS_JSON=urls, ENVIRONMENT="development", HTTP_MAX_BODY_BYTES=2048
    )
    app = create(settings, transports=transports)
    async with cases.router.lifespan_context(cases), app.router.lifespan_context(app):
        front = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=front, base_url="http://townhall.example") as c:
            yield c


def csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found[1]


async def post(web: httpx.AsyncClient, path: str, **form: str) -> httpx.Response:
    page = await web.get("/track")
    return await web.post(path, data={"csrf_token": csrf(page), **form})


async def applied(web: httpx.AsyncClient) -> httpx.Response:
    """A parking permit applied for with an email proved by its code: where web goes."""
    base = "/report/parking_permit"
    steps = [
        (base, {"field-vehicle_registration": "AB12 CDE", "field-zone": "B"}),
        (f"{base}/where", {"address": "3 Example Road", "postcode": "EX1 1AA"}),
        (f"{base}/contact", {"given_name": "Pat", "family_name": "Example", "email": PAT}),
        (f"{base}/check", {}),
        (f"{base}/code", {"code": CODE}),
    ]
    for path, form in steps:
        answered = await post(web, path, **form)
        assert answered.status_code == 303, answered.text
    return answered


async def upload(web: httpx.AsyncClient, *files: tuple[str, bytes, str]) -> httpx.Response:
    page = await web.get("/report/evidence")
    parts = [("file", file) for file in files]
    return await web.post("/report/evidence", data={"csrf_token": csrf(page)}, files=parts)


async def test_a_request_that_needs_evidence_goes_on_to_the_upload_page(
    web: httpx.AsyncClient,
) -> None:
    sent = await applied(web)
    page = await web.get(sent.headers["location"])

    assert sent.headers["location"] == "/report/evidence"
    assert page.status_code == 200
    assert "Upload evidence" in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert 'type="file"' in page.text and " multiple" in page.text
    assert "smaller than 4KB" in page.text


async def test_files_uploaded_are_listed_and_shown_on_the_confirmation(
    web: httpx.AsyncClient,
) -> None:
    await applied(web)

    uploaded = await upload(
        web, ("lease.pdf", PDF, "application/pdf"), ("car.png", PNG, "image/png")
    )
    page = await web.get(uploaded.headers["location"])
    confirmation = await web.get("/report/confirmation")

    assert uploaded.status_code == 303, uploaded.text
    assert "Your files have been uploaded." in page.text
    assert "lease.pdf" in page.text and "car.png" in page.text
    assert "You sent us these files:" in confirmation.text
    assert "lease.pdf" in confirmation.text and "car.png" in confirmation.text


async def test_a_bad_file_is_named_in_the_error_summary_and_the_files_uploaded_stay(
    web: httpx.AsyncClient,
) -> None:
    await applied(web)
    await upload(web, ("lease.pdf", PDF, "application/pdf"))

    refused = await upload(
        web,
        ("car.png", PNG, "image/png"),
        ("photo.jpg", HTML, "image/jpeg"),
    )

    assert refused.status_code == 400
    assert "There is a problem" in refused.text
    assert 'href="#file"' in refused.text
    assert "photo.jpg must be a JPG, PNG or PDF" in refused.text
    assert "govuk-file-upload--error" in refused.text
    assert "lease.pdf" in refused.text and "car.png" in refused.text, "the good ones stay"


async def test_a_file_too_large_or_none_chosen_is_refused_with_the_error_summary(
    web: httpx.AsyncClient,
) -> None:
    await applied(web)

    large = await upload(web, ("scan.png", PNG + bytes(MAX_BYTES), "image/png"))
    nothing = await upload(web, ("", b"", "application/octet-stream"))
    listed = await web.get("/report/evidence")

    assert large.status_code == 400 and "scan.png must be smaller than 4KB" in large.text
    assert nothing.status_code == 400 and "Select a file to upload" in nothing.text
    assert "Files you have uploaded" not in listed.text, "nothing was kept"


async def test_the_upload_page_in_welsh(web: httpx.AsyncClient) -> None:
    await applied(web)
    await web.get("/language?to=cy&next=/report/evidence")

    refused = await upload(web, ("llun.jpg", HTML, "image/jpeg"))

    assert refused.status_code == 400
    assert 'lang="cy"' in refused.text
    assert "Uwchlwytho tystiolaeth" in refused.text
    assert "Mae problem" in refused.text


async def test_without_a_request_sent_the_upload_page_is_not_offered(
    web: httpx.AsyncClient,
) -> None:
    page = await web.get("/report/evidence")
    assert page.status_code == 303
    assert page.headers["location"] == "/report/confirmation"
