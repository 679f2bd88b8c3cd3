"""Evidence over HTTP, on SQLite and PostgreSQL: a file a resident or an officer adds to
a case is recognised by its content, bounded in size and number, kept once in the
store, published as metadata only (its name and digest sealed), served as a download
to those who may read the case, and removed when its resident is erased. Every refusal
keeps nothing."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from townhall.cases.domain.commands import EraseResidentData
from townhall.cases.entrypoints.api.app import create
from townhall.cases.entrypoints.api.dependencies import services_of
from townhall.cases.testing import (
    PEST_CONTROL,
    bearer,
    counts,
    envelopes,
    rows_holding,
    served,
    settings_for,
)
from townhall.runtime.crypto import open_sealed
from townhall.runtime.data_keys import resident_context
from townhall.runtime.outbox import EventContext
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.tokens import TestIssuer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200)
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
HTML = b"<html><script>alert(1)</script></html>"
MAX_BYTES = 4096
MAX_FILES = 3
PARKING_DETAILS = {"vehicle_registration": "AB12 CDE", "zone": "B"}


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "evidence"


@pytest.fixture
async def api(
    database_url: str, issuer: TestIssuer, data_keys: FakeDataKeys, store_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(
        database_url,
        issuer,
        evidence_dir=store_dir,
        evidence_max_bytes=MAX_BYTES,
        evidence_max_files=MAX_FILES,
    )
    app = create(settings, data_keys=data_keys)
    async with served(app) as http:
        yield http


def kept_files(store_dir: Path) -> list[str]:
    """The files the store keeps, by digest (staging must be empty after each request)."""
    staged = list((store_dir / "staging").glob("*")) if store_dir.exists() else []
    assert staged == [], "a staged upload was left behind"
    return sorted(p.name for p in store_dir.glob("??/*"))


async def residents_case(
    api: httpx.AsyncClient, issuer: TestIssuer
) -> tuple[str, str, dict[str, str]]:
    """A pest control request of a resident signed in with an account."""
    resident_id = str(uuid.uuid4())
    resident = bearer(issuer.resident(resident_id))
    created = await api.post("/cases", json={**PEST_CONTROL, "reporter": {}}, headers=resident)
    assert created.status_code == 201, created.text
    return created.json()["reference"], resident_id, resident


async def upload(
    api: httpx.AsyncClient,
    reference: str,
    content: bytes,
    headers: dict[str, str],
    name: str = "photo.png",
    declared: str = "image/png",
) -> httpx.Response:
    files = {"file": (name, content, declared)}
    return await api.post(f"/cases/{reference}/evidence", files=files, headers=headers)


@pytest.mark.parametrize(
    ("content", "name", "recognised"),
    [
        (PNG, "kitchen.png", "image/png"),
        (JPEG, "shed.JPG", "image/jpeg"),
        (PDF, "bill.pdf", "application/pdf"),
    ],
)
async def test_a_residents_file_is_kept_listed_and_served_as_a_download(
    api: httpx.AsyncClient,
    issuer: TestIssuer,
    store_dir: Path,
    content: bytes,
    name: str,
    recognised: str,
) -> None:
    reference, resident_id, resident = await residents_case(api, issuer)

    added = await upload(api, reference, content, resident, name=name, declared="text/plain")

    assert added.status_code == 201, added.text
    body = added.json()
    digest = hashlib.sha256(content).hexdigest()
    assert (body["filename"], body["content_type"]) == (name, recognised)
    assert (body["size_bytes"], body["sha256"]) == (len(content), digest)
    assert body["added_by"] == f"resident:{resident_id}"
    assert kept_files(store_dir) == [digest]
    listed = await api.get(f"/cases/{reference}/evidence", headers=resident)
    assert [item["id"] for item in listed.json()["items"]] == [body["id"]]
    assert listed.json()["remaining"] == MAX_FILES - 1
    served = await api.get(body["href"], headers=resident)
    assert served.status_code == 200
    assert served.content == content
    assert served.headers["content-type"] == recognised
    assert served.headers["content-disposition"].startswith(f'attachment; filename="{name}"')
    assert served.headers["x-content-type-options"] == "nosniff"


async def test_the_event_carries_metadata_only_its_name_and_digest_sealed(
    api: httpx.AsyncClient, issuer: TestIssuer, data_keys: FakeDataKeys
) -> None:
    reference, resident_id, resident = await residents_case(api, issuer)

    added = await upload(api, reference, PNG, resident, name="Grace's tenancy.png")

    assert added.status_code == 201, added.text
    event = (await envelopes(api))[-1]
    assert event.type == "townhall.cases.case.evidence_added.v1"
    assert event.residentid == resident_id
    assert event.data["evidence_id"] == added.json()["id"]
    assert event.data["content_type"] == "image/png"
    assert event.data["size_bytes"] == len(PNG)
    assert (event.data["filename"], event.data["sha256"]) == ("", "")
    key = data_keys.key_of(resident_id)
    assert key is not None
    opened = open_sealed(event.data["sealed"], key, context=resident_context(resident_id))
    assert opened == {"filename": "Grace_s tenancy.png", "sha256": hashlib.sha256(PNG).hexdigest()}


async def test_an_officer_of_its_area_adds_and_reads_evidence(
    api: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference, _, _ = await residents_case(api, issuer)
    officer = bearer(issuer.officer(("pest_control", "personal")))

    added = await upload(api, reference, PDF, officer, name="../../etc/survey.pdf")

    assert added.status_code == 201, added.text
    assert added.json()["filename"] == "survey.pdf"
    assert added.json()["added_by"].startswith("officer:")
    listed = await api.get(f"/cases/{reference}/evidence", headers=officer)
    assert [i["filename"] for i in listed.json()["items"]] == ["survey.pdf"]


async def test_the_contact_centre_adds_evidence_handed_in_but_does_not_read_the_case(
    api: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference, _, _ = await residents_case(api, issuer)
    counter = bearer(issuer.officer(("contact_centre", "public")))

    added = await upload(api, reference, PDF, counter, name="handed-in.pdf")
    listed = await api.get(f"/cases/{reference}/evidence", headers=counter)

    assert added.status_code == 201, added.text
    assert listed.status_code == 404, "raising for a case is not working it"


async def test_the_resident_adds_evidence_with_the_tracking_token_of_that_request(
    api: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference, resident_id, _ = await residents_case(api, issuer)
    tracking = bearer(issuer.tracking(resident_id, reference))

    added = await upload(api, reference, JPEG, tracking, name="rats.jpg")

    assert added.status_code == 201, added.text
    listed = await api.get(f"/cases/{reference}/evidence", headers=tracking)
    assert [i["filename"] for i in listed.json()["items"]] == ["rats.jpg"]


@pytest.mark.parametrize(
    ("content", "name", "declared", "status", "reason"),
    [
        (HTML, "photo.jpg", "image/jpeg", 415, "type"),
        (b"GIF89a" + bytes(40), "scan.png", "image/png", 415, "type"),
        (b"\x89PN", "tiny.png", "image/png", 415, "type"),
        (PNG + bytes(MAX_BYTES), "huge.png", "image/png", 413, "too_large"),
        (PNG + bytes(MAX_BYTES + 70_000), "vast.png", "image/png", 413, "too_large"),
        (b"", "empty.png", "image/png", 422, "empty"),
    ],
    ids=["html-named-jpg", "gif-named-png", "truncated", "too-large", "beyond-any-form", "empty"],
)
async def test_a_bad_file_is_refused_with_a_problem_and_nothing_is_kept(
    api: httpx.AsyncClient,
    issuer: TestIssuer,
    store_dir: Path,
    content: bytes,
    name: str,
    declared: str,
    status: int,
    reason: str,
) -> None:
    reference, _, resident = await residents_case(api, issuer)
    before = await counts(api)

    refused = await upload(api, reference, content, resident, name=name, declared=declared)

    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["reason"] == reason
    assert await counts(api) == before
    assert kept_files(store_dir) == []
    assert await rows_holding(api, name) == []


async def test_without_the_residents_data_key_a_file_is_refused_and_nothing_is_kept(
    api: httpx.AsyncClient, issuer: TestIssuer, data_keys: FakeDataKeys, store_dir: Path
) -> None:
    reference, _, resident = await residents_case(api, issuer)
    before = await counts(api)
    data_keys.down = True

    refused = await upload(api, reference, PDF, resident, name="tenancy.pdf")

    assert refused.status_code == 503
    assert refused.json()["type"].endswith("/data-key-unavailable")
    assert await counts(api) == before
    assert kept_files(store_dir) == [], "no file is left that no record names"


async def test_a_case_takes_a_limited_number_of_files(
    api: httpx.AsyncClient, issuer: TestIssuer, store_dir: Path
) -> None:
    reference, _, resident = await residents_case(api, issuer)
    for number in range(MAX_FILES):
        added = await upload(api, reference, PNG + bytes([number]), resident)
        assert added.status_code == 201, added.text
    before = await counts(api)

    refused = await upload(api, reference, PDF, resident, name="one-too-many.pdf")

    assert refused.status_code == 409
    assert refused.json()["reason"] == "too_many"
    assert refused.json()["max_files"] == MAX_FILES
    assert await counts(api) == before
    assert len(kept_files(store_dir)) == MAX_FILES


async def test_a_request_that_is_not_one_file_is_refused(
    api: httpx.AsyncClient, issuer: TestIssuer, store_dir: Path
) -> None:
    reference, _, resident = await residents_case(api, issuer)
    url = f"/cases/{reference}/evidence"

    as_json = await api.post(url, json={"file": "aGVsbG8="}, headers=resident)
    wrong_field = await api.post(
        url, files={"photo": ("a.png", PNG, "image/png")}, headers=resident
    )
    two = [("file", ("a.png", PNG, "image/png")), ("file", ("b.pdf", PDF, "application/pdf"))]
    two_files = await api.post(url, files=two, headers=resident)

    assert [r.status_code for r in (as_json, wrong_field, two_files)] == [400, 400, 400]
    assert kept_files(store_dir) == []


async def test_someone_elses_or_an_unknown_case_is_answered_not_found(
    api: httpx.AsyncClient, issuer: TestIssuer, store_dir: Path
) -> None:
    reference, _, _ = await residents_case(api, issuer)
    other, other_id, _ = await residents_case(api, issuer)
    stranger = bearer(issuer.resident(str(uuid.uuid4())))
    other_area = bearer(issuer.officer(("parking", "sensitive")))
    before = await counts(api)

    answers = [
        await upload(api, reference, PNG, stranger),
        await upload(api, reference, PNG, other_area),
        await upload(api, "PC-2026-999999", PNG, stranger),
        await api.get(f"/cases/{reference}/evidence", headers=stranger),
    ]
    wrong_token = await upload(api, reference, PNG, bearer(issuer.tracking(other_id, other)))
    anonymous = await upload(api, reference, PNG, {})

    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert all(a.headers["content-type"] == "application/problem+json" for a in answers)
    assert wrong_token.status_code == 403
    assert anonymous.status_code == 401
    assert await counts(api) == before
    assert kept_files(store_dir) == []


async def test_a_tracking_token_adds_only_to_the_request_it_names_even_the_residents_own(
    api: httpx.AsyncClient, issuer: TestIssuer, store_dir: Path
) -> None:
    reference, resident_id, resident = await residents_case(api, issuer)
    created = await api.post("/cases", json={**PEST_CONTROL, "reporter": {}}, headers=resident)
    other = created.json()["reference"]
    before = await counts(api)

    refused = await upload(api, reference, PNG, bearer(issuer.tracking(resident_id, other)))

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert await counts(api) == before
    assert kept_files(store_dir) == []


async def test_the_listing_says_whether_the_type_asks_for_evidence_and_the_request_is_open(
    api: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference, _, resident = await residents_case(api, issuer)
    permit = {"service_code": "parking_permit", "details": PARKING_DETAILS, "reporter": {}}
    applied = await api.post("/cases", json=permit, headers=resident)
    assert applied.status_code == 201, applied.text

    rats = await api.get(f"/cases/{reference}/evidence", headers=resident)
    parking = await api.get(f"/cases/{applied.json()['reference']}/evidence", headers=resident)

    assert (rats.json()["evidence_required"], rats.json()["open"]) == (False, True)
    assert (parking.json()["evidence_required"], parking.json()["open"]) == (True, True)


async def test_a_finished_request_takes_no_more_files_from_its_resident_but_does_from_officers(
    api: httpx.AsyncClient, issuer: TestIssuer, store_dir: Path
) -> None:
    reference, resident_id, resident = await residents_case(api, issuer)
    cancelled = await api.post(
        f"/cases/{reference}/transitions", json={"to": "cancelled"}, headers=resident
    )
    assert cancelled.status_code == 200, cancelled.text
    before = await counts(api)

    refused = [
        await upload(api, reference, PNG, resident),
        await upload(api, reference, PNG, bearer(issuer.tracking(resident_id, reference))),
    ]

    assert [r.status_code for r in refused] == [409, 409]
    assert all(r.json()["reason"] == "closed" for r in refused)
    assert await counts(api) == before
    assert kept_files(store_dir) == []
    listed = await api.get(f"/cases/{reference}/evidence", headers=resident)
    assert listed.json()["open"] is False
    officer = bearer(issuer.officer(("pest_control", "personal")))
    assert (await upload(api, reference, PDF, officer, name="visit.pdf")).status_code == 201


async def test_the_resident_reads_an_officers_file_as_the_councils(
    api: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference, resident_id, resident = await residents_case(api, issuer)
    officer = bearer(issuer.officer(("pest_control", "personal")))
    await upload(api, reference, PDF, officer, name="survey.pdf")
    await upload(api, reference, PNG, resident, name="kitchen.png")

    theirs = (await api.get(f"/cases/{reference}/evidence", headers=resident)).json()
    officers = (await api.get(f"/cases/{reference}/evidence", headers=officer)).json()

    assert [i["added_by"] for i in theirs["items"]] == ["council", f"resident:{resident_id}"]
    assert officers["items"][0]["added_by"].startswith("officer:")


async def test_the_retired_attachments_route_is_gone_so_a_file_is_only_evidence(
    api: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference, _, resident = await residents_case(api, issuer)
    before = await counts(api)
    details = {"filename": "bin.jpg", "content_type": "image/jpeg", "size_bytes": 10}

    answer = await api.post(f"/cases/{reference}/attachments", json=details, headers=resident)

    assert answer.status_code == 404
    assert await counts(api) == before


async def test_erasing_the_resident_removes_their_files_but_not_another_cases_copy(
    api: httpx.AsyncClient, issuer: TestIssuer, store_dir: Path
) -> None:
    reference, resident_id, resident = await residents_case(api, issuer)
    other, _, other_resident = await residents_case(api, issuer)
    mine = await upload(api, reference, PDF, resident, name="Grace-Hopper-lease.pdf")
    await upload(api, reference, JPEG, resident, name="shed.jpg")
    await upload(api, other, JPEG, other_resident, name="same-photo.jpg")
    assert len(kept_files(store_dir)) == 2
    services = services_of(api.app)  # type: ignore[attr-defined]
    context = EventContext(correlation_id="erasure")

    await services.bus.handle(EraseResidentData(uuid.UUID(resident_id)), context)
    await services.passes.sweep_once()

    assert kept_files(store_dir) == [hashlib.sha256(JPEG).hexdigest()], (
        "the lease is gone; the photo stays, another case has it too"
    )
    assert await rows_holding(api, "Grace-Hopper-lease", hashlib.sha256(PDF).hexdigest()) == []
    officer = bearer(issuer.officer(("pest_control", "personal")))
    listed = await api.get(f"/cases/{reference}/evidence", headers=officer)
    assert listed.json()["items"] == []
    assert (await api.get(mine.json()["href"], headers=officer)).status_code == 404
    theirs = await api.get(f"/cases/{other}/evidence", headers=other_resident)
    assert [i["filename"] for i in theirs.json()["items"]] == ["same-photo.jpg"]


async def test_a_file_may_be_larger_than_any_other_request_up_to_the_evidence_limit(
    tmp_path: Path, issuer: TestIssuer
) -> None:
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}",
        issuer,
        evidence_dir=tmp_path / "evidence",
        evidence_max_bytes=MAX_BYTES,
        http_max_body_bytes=1024,
    )
    app = create(settings, data_keys=FakeDataKeys())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cases") as http:
            reference, _, resident = await residents_case(http, issuer)
            photo = PNG + bytes(3000)
            added = await upload(http, reference, photo, resident)
            long_case = {**PEST_CONTROL, "reporter": {}, "description": "x" * 2000}
            refused = await http.post("/cases", json=long_case, headers=resident)

    assert added.status_code == 201, added.text
    assert added.json()["size_bytes"] == len(photo)
    assert refused.status_code == 413, "every other route keeps the service's limit"
