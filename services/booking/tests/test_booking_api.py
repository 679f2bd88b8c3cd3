"""The booking API: a resident books a visit for their case; every bad request gets a
4xx problem that says which rule refused it, and changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from townhall.booking.adapters.orm import appointments, holds, places
from townhall.booking.bootstrap import Booking
from townhall.booking.testing import SLOT, known_case
from townhall.runtime.clock import ManualClock
from townhall.runtime.problems import PROBLEM_MEDIA_TYPE
from townhall.runtime.tables import outbox
from townhall.runtime.testkit.tokens import TestIssuer

RESIDENT = uuid.uuid4()


def _booking(http: httpx.AsyncClient) -> Booking:
    built: Booking = http.booking  # type: ignore[attr-defined]
    return built


def _me(issuer: TestIssuer) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.resident(str(RESIDENT))}"}


async def _case(http: httpx.AsyncClient, **kw: Any) -> str:
    case = await known_case(_booking(http), resident_id=RESIDENT, **kw)
    return case.reference


async def _counts(http: httpx.AsyncClient) -> dict[str, int]:
    found = {}
    async with _booking(http).runtime.sessions() as session:
        for table in (places, holds, appointments, outbox):
            query = select(func.count()).select_from(table)
            found[table.name] = int((await session.execute(query)).scalar_one())
    return found


async def _book(http: httpx.AsyncClient, issuer: TestIssuer, reference: str) -> dict[str, Any]:
    slot = {"resource": "van-1", "starts_at": SLOT.isoformat()}
    held = await http.post(f"/cases/{reference}/holds", json=slot, headers=_me(issuer))
    assert held.status_code == 201, held.text
    confirmed = await http.post(
        f"/cases/{reference}/holds/{held.json()['id']}/confirm", headers=_me(issuer)
    )
    assert confirmed.status_code == 200, confirmed.text
    body: dict[str, Any] = confirmed.json()
    return body


async def test_a_resident_sees_free_slots_in_local_time_and_books_one(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference = await _case(http)
    shown = await http.get(f"/cases/{reference}/availability", headers=_me(issuer))
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert (body["first_day"], body["timezone"]) == ("2026-03-03", "Europe/London")
    first = body["slots"][0]
    assert first["local_start"] == "2026-03-03T09:00:00Z"  # GMT in March before the change
    booked = await _book(http, issuer, reference)
    assert booked["status"] == "confirmed" and booked["starts_at"] == "2026-03-04T09:00:00Z"
    again = await http.get(f"/cases/{reference}/availability", headers=_me(issuer))
    starts = {s["starts_at"] for s in again.json()["slots"]}
    assert "2026-03-04T09:00:00Z" not in starts
    listed = await http.get(f"/cases/{reference}/appointments", headers=_me(issuer))
    assert [a["id"] for a in listed.json()] == [booked["id"]]
    page = await http.get(
        f"/cases/{reference}/availability", params={"days": 2}, headers=_me(issuer)
    )
    assert page.json()["last_day"] == "2026-03-04"
    # the 4th is not offered again: this property has its visit that day
    assert {s["starts_at"][:10] for s in page.json()["slots"]} == {"2026-03-03"}


async def test_after_the_clocks_change_a_nine_oclock_slot_is_still_nine_local(
    http: httpx.AsyncClient, issuer: TestIssuer, clock: ManualClock
) -> None:
    clock.now = datetime(2026, 3, 27, 8, tzinfo=UTC)
    reference = await _case(http)
    shown = (await http.get(f"/cases/{reference}/availability", headers=_me(issuer))).json()
    on_the_day = [s for s in shown["slots"] if s["starts_at"].startswith("2026-03-29")]
    assert on_the_day[0]["local_start"] == "2026-03-29T09:00:00+01:00"
    assert on_the_day[0]["starts_at"] == "2026-03-29T08:00:00Z"


async def test_a_confirmed_visit_can_be_moved_and_then_cancelled(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference = await _case(http)
    booked = await _book(http, issuer, reference)
    later = {"resource": "van-1", "starts_at": (SLOT + timedelta(days=1)).isoformat()}
    moved = await http.post(
        f"/cases/{reference}/appointments/{booked['id']}/reschedule",
        json=later,
        headers=_me(issuer),
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["replaces"] == booked["id"]
    assert booked["cut_off_at"] == "2026-03-03T14:00:00Z", "14:00 the day before, as data"
    assert moved.json()["cut_off_at"] == "2026-03-04T14:00:00Z"
    cancelled = await http.post(
        f"/cases/{reference}/appointments/{moved.json()['id']}/cancel",
        json={"reason": "no_longer_needed"},
        headers=_me(issuer),
    )
    assert cancelled.json()["status"] == "cancelled"


async def test_an_officer_sees_the_run_sheet_and_records_the_outcome(
    http: httpx.AsyncClient, issuer: TestIssuer, clock: ManualClock
) -> None:
    reference = await _case(http)
    booked = await _book(http, issuer, reference)
    officer = {"Authorization": f"Bearer {issuer.officer(('pest_control', 'personal'))}"}
    outsider = {"Authorization": f"Bearer {issuer.officer(('parking', 'special'))}"}
    sheet = await http.get("/resources/van-1/run-sheet/2026-03-04", headers=officer)
    assert [v["id"] for v in sheet.json()["visits"]] == [booked["id"]]
    hidden = await http.get("/resources/van-1/run-sheet/2026-03-04", headers=outsider)
    assert hidden.json()["visits"] == []
    too_soon = await http.post(
        f"/appointments/{booked['id']}/outcome", json={"outcome": "completed"}, headers=officer
    )
    assert too_soon.status_code == 409
    clock.now = SLOT + timedelta(minutes=30)
    refused = await http.post(
        f"/appointments/{booked['id']}/outcome", json={"outcome": "not_home"}, headers=outsider
    )
    assert refused.status_code == 403
    done = await http.post(
        f"/appointments/{booked['id']}/outcome", json={"outcome": "not_home"}, headers=officer
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["outcome"]) == ("visited", "not_home")


async def test_a_tracking_token_is_enough_for_the_case_it_names(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference, other = await _case(http), await _case(http)
    tracking = {"Authorization": f"Bearer {issuer.tracking(str(RESIDENT), reference)}"}
    assert (await http.get(f"/cases/{reference}/availability", headers=tracking)).is_success
    refused = await http.get(f"/cases/{other}/availability", headers=tracking)
    assert refused.status_code == 403


def _later(days: int = 0, hours: int = 0) -> str:
    return (SLOT + timedelta(days=days, hours=hours)).isoformat()


BAD_HOLDS: list[tuple[str, dict[str, Any], int, str]] = [
    ("in the past", {"starts_at": "2026-03-01T09:00:00+00:00"}, 422, "slot-in-past"),
    ("outside the window", {"starts_at": _later(days=60)}, 422, "outside-window"),
    ("another service type's", {"resource": "bulky-north"}, 422, "wrong-service-type"),
    ("after the cut-off", {"starts_at": "2026-03-02T11:00:00+00:00"}, 409, "cut-off-passed"),
    ("not a slot", {"starts_at": _later(hours=0.5)}, 422, "not-a-slot"),  # type: ignore[arg-type]
    ("on a bank holiday", {"starts_at": "2026-04-03T08:00:00+00:00"}, 422, "not-a-slot"),
    ("without a timezone", {"starts_at": "2026-03-04T09:00:00"}, 422, ""),
    ("outside the area", {"postcode": "SW1A 1AA", "uprn": None}, 422, "outside-area"),
    ("with a made-up field", {"colour": "blue"}, 422, ""),
]


@pytest.mark.parametrize(
    ("why", "change", "status", "kind"), BAD_HOLDS, ids=[b[0] for b in BAD_HOLDS]
)
async def test_a_bad_hold_is_refused_with_a_problem_and_changes_nothing(
    http: httpx.AsyncClient,
    issuer: TestIssuer,
    why: str,
    change: dict[str, Any],
    status: int,
    kind: str,
) -> None:
    postcode = None if "postcode" in change else "N1 2AB"
    reference = await _case(http, postcode=postcode)
    before = await _counts(http)
    body = {"resource": "van-1", "starts_at": SLOT.isoformat(), **change}
    body = {k: v for k, v in body.items() if v is not None}
    refused = await http.post(f"/cases/{reference}/holds", json=body, headers=_me(issuer))
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    assert refused.json()["type"].endswith(kind)
    assert await _counts(http) == before


async def test_a_taken_slot_an_expired_hold_and_a_late_cancel_are_refused_changing_nothing(
    http: httpx.AsyncClient, issuer: TestIssuer, clock: ManualClock
) -> None:
    mine, theirs = await _case(http), await _case(http)
    slot = {"resource": "van-1", "starts_at": SLOT.isoformat()}
    held = (await http.post(f"/cases/{mine}/holds", json=slot, headers=_me(issuer))).json()
    before = await _counts(http)
    taken = await http.post(f"/cases/{theirs}/holds", json=slot, headers=_me(issuer))
    assert (taken.status_code, taken.json()["title"]) == (409, "Slot taken")
    assert await _counts(http) == before
    clock.advance(timedelta(minutes=11))
    expired = await http.post(f"/cases/{mine}/holds/{held['id']}/confirm", headers=_me(issuer))
    assert (expired.status_code, expired.json()["title"]) == (409, "Hold expired")
    assert await _counts(http) == before
    booked = await _book(http, issuer, theirs)
    clock.now = datetime(2026, 3, 3, 15, tzinfo=UTC)
    before = await _counts(http)
    late = await http.post(
        f"/cases/{theirs}/appointments/{booked['id']}/cancel", json={}, headers=_me(issuer)
    )
    assert (late.status_code, late.json()["title"]) == (409, "Cut-off passed")
    closed = datetime.fromisoformat(late.json()["cut_off_at"])
    assert closed == datetime(2026, 3, 3, 14, tzinfo=UTC), "when it closed, as data"
    assert await _counts(http) == before


async def test_unknown_cases_holds_and_appointments_are_404(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference = await _case(http)
    missing = uuid.uuid4()
    for method, path in (
        ("GET", "/cases/PC-2026-999999/availability"),
        ("POST", f"/cases/{reference}/holds/{missing}/confirm"),
        ("POST", f"/cases/{reference}/appointments/{missing}/cancel"),
    ):
        kwargs: dict[str, Any] = {"json": {}} if method == "POST" else {}
        answer = await http.request(method, path, headers=_me(issuer), **kwargs)
        assert answer.status_code == 404, (path, answer.text)


async def test_a_case_without_a_postcode_asks_for_one(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference = await _case(http, postcode=None)
    asked = await http.get(f"/cases/{reference}/availability", headers=_me(issuer))
    assert (asked.status_code, asked.json()["title"]) == (422, "Where is the property?")
    given = await http.get(
        f"/cases/{reference}/availability", params={"postcode": "N7 1AA"}, headers=_me(issuer)
    )
    assert given.status_code == 200 and given.json()["slots"]


async def test_a_case_known_by_its_postcode_sector_is_offered_and_booked_without_a_postcode(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    reference = await _case(http, postcode=None, postcode_sector="N1 2")
    elsewhere = await _case(http, postcode=None, postcode_sector="SW1A 1")

    shown = await http.get(f"/cases/{reference}/availability", headers=_me(issuer))
    booked = await _book(http, issuer, reference)
    far = await http.get(f"/cases/{elsewhere}/availability", headers=_me(issuer))

    assert shown.status_code == 200 and shown.json()["slots"], shown.text
    assert booked["status"] == "confirmed", "held and confirmed with no postcode given"
    assert far.status_code == 200 and far.json()["slots"] == [], "no crew covers SW1A 1"
