"""Adding evidence later, over HTTP: web in front of the real cases app (who may add to
which request, its checks by content), identity and resident-view faked at their HTTP
boundary. A resident following their parking permit application (by its tracking code,
or from "my requests" in their account) adds files from its tracking page and sees them
listed there; a request that asks for none, or is finished, offers none; bad files, a
stale form and another resident's request keep nothing. Their subject access export
holds their evidence, files and all, and never another resident's."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.web.tests.test_web_resident_evidence import (
    HTML,
    MAX_BYTES,
    PDF,
    PNG,
    Identity,
    applied,
    csrf,
)
from townhall.cases.entrypoints.api.app import create as create_cases
from townhall.cases.testing import PEST_CONTROL, bearer, settings_for
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.tokens import TestIssuer
from townhall.runtime.testkit.waiting import eventually
from townhall.web.app import create
from townhall.web.config import WebSettings

PASSWORD = "a long enough password"
PERMIT = {
    "service_code": "parking_permit",
    "details": {"vehicle_registration": "AB12 CDE", "zone": "B"},
    "reporter": {},
}


class AccountIdentity(Identity):
    """Identity, also signing the same resident in with an account (level 1)."""

    async def answer(self, request: Request) -> JSONResponse:
        if request.url.path == "/auth/resident-token":
            body: dict[str, Any] = json.loads(await request.body())
            if body.get("password") != PASSWORD:
                return JSONResponse({"detail": "wrong"}, 401)
            token = self.issuer.resident(self.resident_id)
            return JSONResponse({"access_token": token, "refresh_token": "r", "expires_in": 900})
        return await super().answer(request)


async def tracking(request: Request) -> JSONResponse:
    """Resident-view's tracking API: the request as just received."""
    reference = request.path_params["reference"]
    return JSONResponse({"reference": reference, "status": "submitted", "steps": []})


async def none_held(request: Request) -> JSONResponse:
    """Payments and booking: nothing held about anyone."""
    return JSONResponse([])


@dataclass
class Front:
    web: httpx.AsyncClient
    cases: httpx.AsyncClient
    issuer: TestIssuer
    resident_id: str

    async def files(self, reference: str) -> list[str]:
        """The names cases keeps for the request, as an officer of its area reads them."""
        officer = bearer(self.issuer.officer(("parking", "personal"), ("pest_control", "personal")))
        listed = await self.cases.get(f"/cases/{reference}/evidence", headers=officer)
        assert listed.status_code == 200, listed.text
        return [item["filename"] for item in listed.json()["items"]]

    async def case(self, resident_id: str, case: dict[str, Any]) -> str:
        """A request of ``resident_id``'s, raised straight at cases with their account."""
        resident = bearer(self.issuer.resident(resident_id))
        created = await self.cases.post("/cases", json=case, headers=resident)
        assert created.status_code == 201, created.text
        return str(created.json()["reference"])


@pytest.fixture
async def front(tmp_path: Path) -> AsyncIterator[Front]:
    issuer = TestIssuer(tmp_path)
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}",
        issuer,
        evidence_dir=tmp_path / "evidence",
        evidence_max_bytes=MAX_BYTES,
        evidence_max_files=3,
    )
    cases = create_cases(settings, data_keys=FakeDataKeys())
    identity = AccountIdentity(issuer)
    identity_app = Starlette(routes=[Route("/{path:path}", identity.answer, methods=["POST"])])
    resident_view = Starlette(routes=[Route("/tracking/{reference}", tracking)])
    nothing = Starlette(routes=[Route("/{path:path}", none_held)])
    names = ("identity", "cases", "resident-view", "payments", "booking")
    urls = {name: f"http://{name}.internal" for name in names}
    transports = {
        "identity": httpx.ASGITransport(app=identity_app),
        "cases": httpx.ASGITransport(app=cases),
        "resident-view": httpx.ASGITransport(app=resident_view),
        "payments": httpx.ASGITransport(app=nothing),
        "booking": httpx.ASGITransport(app=nothing),
    }
    web_settings = WebSettings(
        SERVICE_URLS_JSON=urls, ENVIRONMENT="development", HTTP_MAX_BODY_BYTES=2048
    )
    app = create(web_settings, transports=transports)
    async with cases.router.lifespan_context(cases), app.router.lifespan_context(app):
        front_door = httpx.ASGITransport(app=app)
        to_cases = httpx.ASGITransport(app=cases)
        async with (
            httpx.AsyncClient(transport=front_door, base_url="http://townhall.example") as web,
            httpx.AsyncClient(transport=to_cases, base_url="http://cases.internal") as direct,
        ):
            yield Front(web, direct, issuer, identity.resident_id)


async def reported(front: Front) -> str:
    """A parking permit applied for and followed with its tracking code: its reference."""
    await applied(front.web)
    await front.web.get("/report/evidence")  # the page straight after: skipped for now
    confirmation = await front.web.get("/report/confirmation")
    found = re.search(r"PP-\d{4}-\d+", confirmation.text)
    assert found, confirmation.text
    return found[0]


async def upload_later(
    web: httpx.AsyncClient, reference: str, *files: tuple[str, bytes, str], token: str = ""
) -> httpx.Response:
    page = await web.get(f"/track/{reference}/evidence")
    parts = [("file", file) for file in files]
    form = {"csrf_token": token or csrf(page)}
    return await web.post(f"/track/{reference}/evidence", data=form, files=parts)


async def test_a_tracked_request_that_asks_for_evidence_offers_to_add_it_later(
    front: Front,
) -> None:
    reference = await reported(front)

    tracked = await front.web.get(f"/track/{reference}")
    page = await front.web.get(f"/track/{reference}/evidence")

    assert f'href="/track/{reference}/evidence"' in tracked.text
    assert "Add evidence" in tracked.text
    assert page.status_code == 200
    assert f'action="/track/{reference}/evidence"' in page.text
    assert f'href="/track/{reference}"' in page.text, "back to the request, not reporting"


async def test_files_added_later_show_on_the_tracking_page_with_who_added_them(
    front: Front,
) -> None:
    reference = await reported(front)
    officer = bearer(front.issuer.officer(("parking", "personal")))
    survey = {"file": ("survey.pdf", PDF, "application/pdf")}
    await front.cases.post(f"/cases/{reference}/evidence", files=survey, headers=officer)

    uploaded = await upload_later(front.web, reference, ("lease.pdf", PDF, "application/pdf"))
    tracked = await front.web.get(uploaded.headers["location"])

    assert uploaded.status_code == 303, uploaded.text
    assert uploaded.headers["location"] == f"/track/{reference}"
    assert "Your files have been uploaded." in tracked.text
    assert "lease.pdf" in tracked.text and "Added by you" in tracked.text
    assert "survey.pdf" in tracked.text and "Added by the council" in tracked.text
    assert await front.files(reference) == ["survey.pdf", "lease.pdf"]


async def test_adding_evidence_later_in_welsh(front: Front) -> None:
    reference = await reported(front)
    await front.web.get(f"/language?to=cy&next=/track/{reference}")

    await upload_later(front.web, reference, ("prydles.pdf", PDF, "application/pdf"))
    tracked = await front.web.get(f"/track/{reference}")
    refused = await upload_later(front.web, reference, ("llun.jpg", HTML, "image/jpeg"))

    assert 'lang="cy"' in tracked.text
    assert "Ychwanegu tystiolaeth" in tracked.text
    assert "prydles.pdf" in tracked.text and "Ychwanegwyd gennych chi" in tracked.text
    assert refused.status_code == 400 and "Mae problem" in refused.text


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("photo.jpg", HTML, "image/jpeg")], "photo.jpg must be a JPG, PNG or PDF"),
        ([("scan.png", PNG + bytes(MAX_BYTES), "image/png")], "scan.png must be smaller than"),
        ([("", b"", "application/octet-stream")], "Select a file to upload"),
        ([(f"{n}.pdf", PDF, "application/pdf") for n in range(4)], "3 files at most"),
    ],
    ids=["wrong-type", "too-large", "none-chosen", "too-many"],
)
async def test_a_bad_upload_later_shows_the_error_summary_and_keeps_nothing(
    front: Front, files: list[tuple[str, bytes, str]], message: str
) -> None:
    reference = await reported(front)

    refused = await upload_later(front.web, reference, *files)

    assert refused.status_code == 400
    assert "There is a problem" in refused.text and 'href="#file"' in refused.text
    assert message in refused.text
    assert await front.files(reference) == []


async def test_a_stale_form_is_refused_with_a_clear_page_and_keeps_nothing(
    front: Front,
) -> None:
    reference = await reported(front)

    stale = await upload_later(
        front.web, reference, ("lease.pdf", PDF, "application/pdf"), token="an-old-token"
    )

    assert stale.status_code == 403
    assert "This form has expired" in stale.text
    assert await front.files(reference) == []


async def test_a_finished_request_offers_no_upload_and_refuses_a_form_sent_before(
    front: Front,
) -> None:
    reference = await reported(front)
    form_page = await front.web.get(f"/track/{reference}/evidence")
    account = bearer(front.issuer.resident(front.resident_id))
    moved = await front.cases.post(
        f"/cases/{reference}/transitions", json={"to": "cancelled"}, headers=account
    )
    assert moved.status_code == 200, moved.text

    tracked = await front.web.get(f"/track/{reference}")
    page = await front.web.get(f"/track/{reference}/evidence")
    parts = [("file", ("lease.pdf", PDF, "application/pdf"))]
    late = await front.web.post(
        f"/track/{reference}/evidence", data={"csrf_token": csrf(form_page)}, files=parts
    )

    assert "Add evidence" not in tracked.text
    assert (page.status_code, page.headers["location"]) == (303, f"/track/{reference}")
    assert late.status_code == 400
    assert "This request is finished, so it cannot take more files" in late.text
    assert await front.files(reference) == []


async def test_a_request_that_asks_for_no_evidence_offers_none(front: Front) -> None:
    reference = await reported(front)
    rats = await front.case(front.resident_id, {**PEST_CONTROL, "reporter": {}})
    await sign_in(front.web)
    await front.web.get(f"/account/requests/{rats}")

    tracked = await front.web.get(f"/track/{rats}")
    page = await front.web.get(f"/track/{rats}/evidence")
    requests = await front.web.get("/account/requests")

    assert "Add evidence" not in tracked.text
    assert page.headers["location"] == f"/track/{rats}"
    assert f'href="/account/requests/{reference}/evidence"' in requests.text
    assert f'href="/account/requests/{rats}/evidence"' not in requests.text


async def sign_in(web: httpx.AsyncClient) -> None:
    page = await web.get("/account/sign-in")
    form = {"csrf_token": csrf(page), "email": "pat@example.org", "password": PASSWORD}
    signed_in = await web.post("/account/sign-in", data=form)
    assert signed_in.headers["location"] == "/account", signed_in.text


async def test_from_my_requests_the_account_adds_evidence_to_its_own_request(
    front: Front,
) -> None:
    mine = await front.case(front.resident_id, PERMIT)
    await sign_in(front.web)

    followed = await front.web.get(f"/account/requests/{mine}/evidence")
    uploaded = await upload_later(front.web, mine, ("lease.pdf", PDF, "application/pdf"))

    assert followed.headers["location"] == f"/track/{mine}/evidence"
    assert uploaded.headers["location"] == f"/track/{mine}", uploaded.text
    assert await front.files(mine) == ["lease.pdf"]


async def test_another_residents_request_is_refused_and_keeps_nothing(front: Front) -> None:
    mine = await reported(front)
    theirs = await front.case(str(uuid.uuid4()), PERMIT)
    page = await front.web.get(f"/track/{mine}/evidence")
    parts = [("file", ("lease.pdf", PDF, "application/pdf"))]

    untracked = await front.web.post(
        f"/track/{theirs}/evidence", data={"csrf_token": csrf(page)}, files=parts
    )
    await sign_in(front.web)
    followed = await front.web.get(f"/account/requests/{theirs}/evidence")
    shown = await front.web.get(followed.headers["location"])
    form_page = await front.web.get("/track")
    posted = await front.web.post(
        f"/track/{theirs}/evidence", data={"csrf_token": csrf(form_page)}, files=parts
    )

    assert untracked.status_code == 303
    assert untracked.headers["location"] == f"/track?reference={theirs}"
    assert (shown.status_code, posted.status_code) == (404, 404)
    assert "Page not found" in posted.text
    assert await front.files(theirs) == []


async def test_the_export_holds_the_residents_evidence_and_never_another_residents(
    front: Front,
) -> None:
    mine = await front.case(front.resident_id, PERMIT)
    theirs = await front.case(str(uuid.uuid4()), PERMIT)
    officer = bearer(front.issuer.officer(("parking", "personal")))
    resident = bearer(front.issuer.resident(front.resident_id))
    for reference, name, headers in [
        (mine, "lease.pdf", resident),
        (mine, "survey.png", officer),
        (theirs, "their-lease.pdf", officer),
    ]:
        content, kind = (PDF, "application/pdf") if name.endswith("pdf") else (PNG, "image/png")
        files = {"file": (name, content, kind)}
        added = await front.cases.post(f"/cases/{reference}/evidence", files=files, headers=headers)
        assert added.status_code == 201, added.text
    note = {"text": "Internal: neighbour disputes the lease"}
    assert (await front.cases.post(f"/cases/{mine}/notes", json=note, headers=officer)).is_success
    await sign_in(front.web)

    page = await front.web.get("/account/export")
    await front.web.post("/account/export", data={"csrf_token": csrf(page)})
    await eventually_ready(front.web)
    download = await front.web.get("/account/export/download")

    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        files_held = {name: archive.read(name) for name in archive.namelist()}
    data = files_held.pop("my-data.json")
    held = json.loads(data)
    assert files_held == {f"evidence/{mine}/lease.pdf": PDF, f"evidence/{mine}/survey.png": PNG}
    assert [(e["filename"], e["added_by"]) for e in held["evidence"][mine]] == [
        ("lease.pdf", "you"),
        ("survey.png", "the council"),
    ]
    assert list(held["evidence"]) == [mine]
    assert theirs.encode() not in data and b"their-lease" not in download.content
    assert b"neighbour disputes" not in data, "officers' internal notes stay out"


async def eventually_ready(web: httpx.AsyncClient) -> None:
    """The export page offers the download once the background task is done."""

    async def page() -> str:
        return (await web.get("/account/export")).text

    await eventually(page, lambda text: 'href="/account/export/download"' in text)
