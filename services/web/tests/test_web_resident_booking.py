"""Booking a visit from the tracking page, with identity, resident-view and booking faked
at the HTTP boundary: the slots offered, a hold then its confirmation, a slot taken or a
hold expired meanwhile, changing and cancelling the visit, booking's cut-off, and that a
mistake shows the error summary and sends booking nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.web.tests.test_web_resident_pages import CODE, REFERENCE, TRACKING, csrf
from townhall.web.app import create
from townhall.web.config import WebSettings
from townhall.web.resident import progress, visits

BOOKING = f"/cases/{REFERENCE}"
PROBLEMS = "https://townhall.example/problems/"
#: Monday 7 and Tuesday 8 December 2026 (GMT: UK time is UTC).
SLOTS = [
    {"resource": "pest-van-1", "starts_at": "2026-12-07T09:00:00+00:00"},
    {"resource": "pest-van-1", "starts_at": "2026-12-07T10:00:00+00:00"},
    {"resource": "pest-van-1", "starts_at": "2026-12-08T13:00:00+00:00"},
]
FIRST = "pest-van-1|2026-12-07T09:00:00+00:00"
LATER = "pest-van-1|2026-12-08T13:00:00+00:00"


def _slot(resource: str, starts_at: str, **more: Any) -> dict[str, Any]:
    ends = starts_at.replace(starts_at[11:13], f"{int(starts_at[11:13]) + 1:02d}", 1)
    return {"resource": resource, "starts_at": starts_at, "ends_at": ends, **more}


def _problem(kind: str, detail: str, status: int = 409, **more: Any) -> JSONResponse:
    body = {"type": PROBLEMS + kind, "title": kind, "detail": detail, "status": status}
    return JSONResponse(body | more, status)


@dataclass
class Upstreams:
    """Identity, resident-view and booking as web sees them, and what reached booking."""

    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    status: str = "triaged"
    #: What booking answers: a property it has no postcode for, a slot someone else
    #: took, a hold that ran out, a visit past its cut-off.
    postcode_known: bool = True
    taken: bool = False
    expired: bool = False
    late: bool = False
    too_soon: bool = False
    #: Booking no longer takes the tracking token (it ran out since the page was shown).
    token_refused: bool = False
    #: Until when a booked visit may change: booking says it as data.
    cut_off_at: str | None = "2026-12-06T14:00:00Z"
    hold_expires: str = "2099-01-01T00:00:00+00:00"
    appointments: list[dict[str, Any]] = field(default_factory=list)
    #: What payments says cancelling would give back (None: nothing paid that it shows).
    refund: dict[str, Any] | None = None

    async def answer(self, request: Request) -> Response:
        body = json.loads(await request.body() or b"null")
        path, method = request.url.path, request.method
        self.calls.append((method, path, body))
        if path == "/auth/tracking":
            return JSONResponse({"reference": "TH-ABCDEFGH", "expires_in": 600}, 202)
        if path == "/auth/codes/redeem":
            return JSONResponse({"access_token": "visit-token", "expires_in": 900})
        if request.headers.get("authorization") != "Bearer visit-token":
            return JSONResponse({"detail": "who are you?"}, 401)
        if path == f"/tracking/{REFERENCE}":
            return JSONResponse({**TRACKING, "status": self.status})
        if self.token_refused:
            return JSONResponse({"detail": "token expired"}, 401)
        return self.booking(method, path.removeprefix(BOOKING), body, request)

    def booking(self, method: str, path: str, body: Any, request: Request) -> Response:
        if path == "/refund-if-cancelled":  # payments'
            if self.refund is None:
                return _problem("case-not-found", "no payment of this case", 404)
            return JSONResponse({"case_reference": REFERENCE, **self.refund})
        if path == "/availability":
            if not (self.postcode_known or request.query_params.get("postcode")):
                return _problem("no-location", "give the property's postcode", 422)
            return JSONResponse({"slots": [_slot(**s) for s in SLOTS]})
        if path == "/appointments":
            return JSONResponse(self.appointments)
        if path == "/holds":
            if self.taken:
                return _problem("slot-taken", "pest-van-1 at 09:00 is full")
            if self.too_soon:
                return _problem("too-little-notice", "less than 24 hours away", 422)
            held = _slot(body["resource"], body["starts_at"], id="hold-1")
            return JSONResponse({**held, "expires_at": self.hold_expires}, 201)
        if path == "/holds/hold-1/confirm":
            if self.expired:
                return _problem("hold-expired", "hold hold-1 has expired")
            return self.book(SLOTS[0]["starts_at"])
        if path.endswith(("/cancel", "/reschedule")) and self.late:
            detail = "bookings for 2026-12-07T09:00:00+00:00 can no longer change"
            return _problem("cut-off-passed", detail, cut_off_at=self.cut_off_at)
        if path == "/appointments/visit-1/cancel":
            self.appointments[0]["status"] = "cancelled"
            return JSONResponse(self.appointments[0])
        if path == "/appointments/visit-1/reschedule":
            self.appointments[0]["status"] = "rescheduled"
            return self.book(body["starts_at"], "visit-2")
        return JSONResponse({"detail": "not found"}, 404)

    def book(self, starts_at: str, id_: str = "visit-1") -> Response:
        visit = _slot("pest-van-1", starts_at, id=id_, status="confirmed")
        visit["cut_off_at"] = self.cut_off_at
        self.appointments.append(visit)
        self.status = "scheduled"
        return JSONResponse(visit, 201)

    def sent(self, tail: str, method: str = "POST") -> list[Any]:
        """What booking was sent at ``/cases/{REFERENCE}{tail}``."""
        return [b for m, p, b in self.calls if (m, p) == (method, BOOKING + tail)]


@pytest.fixture
def upstreams() -> Upstreams:
    return Upstreams()


@pytest.fixture
async def web(upstreams: Upstreams) -> AsyncIterator[httpx.AsyncClient]:
    """The front door, following the request (its code proved)."""
    stub = Starlette(routes=[Route("/{path:path}", upstreams.answer, methods=["GET", "POST"])])
    names = ("identity", "resident-view", "booking", "payments")
    urls = {name: f"http://{name}.internal" for name in names}
    transports = {name: httpx.ASGITransport(app=stub) for name in names}
    app = create(
        WebSettings(SERVICE_URLS_JSON=urls, ENVIRONMENT="development"), transports=transports
    )
    async with app.router.lifespan_context(app):
        front = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=front, base_url="http://townhall.example") as c:
            await post(c, "/track", reference=REFERENCE, contact="rita@example.org")
            await post(c, "/track/code", code=CODE)
            yield c


async def post(web: httpx.AsyncClient, path: str, **form: str) -> httpx.Response:
    page = await web.get("/track")
    return await web.post(path, data={"csrf_token": csrf(page), **form})


async def book(web: httpx.AsyncClient, slot: str = FIRST) -> httpx.Response:
    await post(web, f"/track/{REFERENCE}/book", slot=slot)
    return await post(web, f"/track/{REFERENCE}/book/confirm")


async def test_a_request_waiting_for_its_visit_offers_to_book_one(web: httpx.AsyncClient) -> None:
    page = await web.get(f"/track/{REFERENCE}")
    assert f'href="/track/{REFERENCE}/book"' in page.text
    assert "Book a visit" in page.text
    assert "Book a time for us to visit." in page.text


async def test_a_request_not_yet_paid_offers_no_visit(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    upstreams.status = "awaiting_payment"
    page = await web.get(f"/track/{REFERENCE}")
    assert "/book" not in page.text
    assert upstreams.sent("/appointments", "GET") == [], "booking is not asked"


async def test_the_offered_slots_are_shown_by_day_in_uk_time(web: httpx.AsyncClient) -> None:
    page = await web.get(f"/track/{REFERENCE}/book")
    assert page.status_code == 200
    assert "Monday 7 December 2026" in page.text
    assert "Tuesday 8 December 2026" in page.text
    assert page.text.count('name="slot"') == 3
    assert f'value="{FIRST}"' in page.text
    assert "09:00 to 10:00" in page.text


async def test_the_slots_in_welsh_have_welsh_day_and_month_names(web: httpx.AsyncClient) -> None:
    await web.get("/language", params={"to": "cy", "next": "/track"})
    page = await web.get(f"/track/{REFERENCE}/book")
    assert "Dydd Llun 7 Rhagfyr 2026" in page.text
    assert "Dewiswch amser ar gyfer yr ymweliad" in page.text


async def test_a_slot_is_held_then_confirmed_and_the_visit_shows_on_the_request(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    held = await post(web, f"/track/{REFERENCE}/book", slot=FIRST)
    confirm_page = await web.get(held.headers["location"])
    confirmed = await post(web, f"/track/{REFERENCE}/book/confirm")
    tracked = await web.get(confirmed.headers["location"])

    assert held.headers["location"] == f"/track/{REFERENCE}/book/confirm"
    assert upstreams.sent("/holds") == [
        {"resource": "pest-van-1", "starts_at": "2026-12-07T09:00:00+00:00"}
    ]
    assert "We will keep this time for you for" in confirm_page.text
    assert "Monday 7 December 2026" in confirm_page.text
    assert upstreams.sent("/holds/hold-1/confirm") == [None]
    assert confirmed.headers["location"] == f"/track/{REFERENCE}"
    assert "Your visit is booked for 7 December 2026, 09:00." in tracked.text
    assert f'href="/track/{REFERENCE}/visit/change"' in tracked.text
    assert f'href="/track/{REFERENCE}/visit/cancel"' in tracked.text


def test_the_hold_says_how_many_minutes_it_is_kept() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 5, 9, 0, 30, tzinfo=UTC)
    assert visits.minutes_left("2026-12-05T09:10:30+00:00", now) == 10
    assert visits.minutes_left("2026-12-05T09:01:00+00:00", now) == 1
    assert visits.minutes_left("2026-12-05T09:00:00+00:00", now) == 0


def test_slots_are_grouped_by_their_day_in_uk_time_across_the_clock_change() -> None:
    late_in_summer = {"resource": "r", "starts_at": "2027-04-05T23:30:00+00:00"}
    assert visits.by_day([late_in_summer]) == [("2027-04-06", [late_in_summer])]


def test_a_cancelled_visit_step_says_why_in_plain_words_not_bookings_code() -> None:
    cancelled = {
        "time": "2026-12-05T11:00:00+00:00",
        "type": "townhall.booking.appointment.cancelled.v1",
        "data": {"reason": "no_longer_needed"},
    }
    [shown] = progress.state({**TRACKING, "steps": [cancelled]})["steps"]
    assert shown["what"] == "Your visit was cancelled"
    assert shown["reason"] == "You cancelled it."


async def test_a_hold_that_ran_out_shows_a_message_and_the_slots_again(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    upstreams.expired = True
    refused = await book(web)
    again = await web.get(refused.headers["location"])
    assert refused.headers["location"] == f"/track/{REFERENCE}/book"
    assert "We could not keep that time for you any longer" in again.text
    assert again.text.count('name="slot"') == 3


async def test_a_slot_someone_else_took_shows_a_message_and_the_slots_again(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    upstreams.taken = True
    refused = await post(web, f"/track/{REFERENCE}/book", slot=FIRST)
    again = await web.get(refused.headers["location"])
    assert refused.headers["location"] == f"/track/{REFERENCE}/book"
    assert "Someone else has just taken that time" in again.text


async def test_a_hold_already_run_out_is_not_offered_for_confirming(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    upstreams.hold_expires = "2000-01-01T00:00:00+00:00"
    held = await post(web, f"/track/{REFERENCE}/book", slot=FIRST)
    shown = await web.get(held.headers["location"])
    again = await web.get(shown.headers["location"])
    assert shown.headers["location"] == f"/track/{REFERENCE}/book"
    assert "We could not keep that time for you any longer" in again.text
    assert upstreams.sent("/holds/hold-1/confirm") == []


async def test_a_time_bookings_rules_refuse_says_so_and_shows_the_slots_again(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    upstreams.too_soon = True
    refused = await post(web, f"/track/{REFERENCE}/book", slot=FIRST)
    again = await web.get(refused.headers["location"])
    assert "That time can no longer be booked. Choose another." in again.text
    assert again.text.count('name="slot"') == 3


async def test_choosing_no_slot_shows_the_error_and_holds_nothing(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    nothing = await post(web, f"/track/{REFERENCE}/book")
    forged = await post(web, f"/track/{REFERENCE}/book", slot="pest-van-1|tomorrow")
    for page in (nothing, forged):
        assert page.status_code == 400
        assert "govuk-error-summary" in page.text
        assert 'href="#slot">Choose a time for the visit' in page.text
    assert upstreams.sent("/holds") == []


async def test_a_form_without_its_csrf_token_holds_nothing(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    refused = await web.post(f"/track/{REFERENCE}/book", data={"slot": FIRST})
    assert refused.status_code in (400, 403)
    assert upstreams.sent("/holds") == []


async def test_booking_asks_no_postcode_when_it_knows_where_the_request_is(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    page = await web.get(f"/track/{REFERENCE}/book")
    await post(web, f"/track/{REFERENCE}/book", slot=FIRST)

    assert "What is the postcode of the property?" not in page.text
    assert page.text.count('name="slot"') == 3
    assert "postcode" not in upstreams.sent("/holds")[0]


async def test_a_token_booking_refuses_sends_the_resident_to_ask_for_a_code_again(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    upstreams.token_refused = True
    page = await web.get(f"/track/{REFERENCE}/book")
    asked = await web.get(page.headers["location"])
    held = await post(web, f"/track/{REFERENCE}/book", slot=FIRST)

    assert page.headers["location"] == f"/track?reference={REFERENCE}"
    assert "your code stops working after a while. Ask for a new one." in asked.text
    assert held.headers["location"] == f"/track?reference={REFERENCE}"
    assert upstreams.sent("/holds") == [], "the token is gone: booking is not asked"


async def test_booking_asks_for_the_postcode_when_it_has_none_and_gives_it_with_the_hold(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    upstreams.postcode_known = False
    asked = await web.get(f"/track/{REFERENCE}/book")
    wrong = await post(web, f"/track/{REFERENCE}/book/where", postcode="nowhere")
    unreal = await post(web, f"/track/{REFERENCE}/book/where", postcode="QQ1 1QQ")
    given = await post(web, f"/track/{REFERENCE}/book/where", postcode="e1 6an")
    offered = await web.get(given.headers["location"])
    await post(web, f"/track/{REFERENCE}/book", slot=FIRST)

    assert "What is the postcode of the property?" in asked.text
    assert wrong.status_code == 400 and 'href="#postcode"' in wrong.text
    assert unreal.status_code == 400, "shaped like a postcode, but none starts QQ"
    assert upstreams.sent("/holds")[1:] == [], "one hold, with the postcode given"
    assert offered.text.count('name="slot"') == 3
    assert upstreams.sent("/holds")[0]["postcode"] == "E1 6AN"


async def test_changing_the_visit_moves_it_to_the_slot_chosen(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await book(web)
    choose = await web.get(f"/track/{REFERENCE}/visit/change")
    moved = await post(web, f"/track/{REFERENCE}/visit/change", slot=LATER)
    tracked = await web.get(moved.headers["location"])

    assert "Your visit is now booked for 7 December 2026, 09:00." in choose.text
    assert upstreams.sent("/appointments/visit-1/reschedule") == [
        {"resource": "pest-van-1", "starts_at": "2026-12-08T13:00:00+00:00"}
    ]
    assert "Your visit is moved to 8 December 2026, 13:00." in tracked.text


async def test_cancelling_the_visit_asks_first_then_offers_to_book_again(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await book(web)
    asked = await web.get(f"/track/{REFERENCE}/visit/cancel")
    cancelled = await post(web, f"/track/{REFERENCE}/visit/cancel")
    upstreams.status = "triaged"  # cases hears of it and waits for a new booking
    tracked = await web.get(cancelled.headers["location"])

    assert "Cancel the visit" in asked.text and "7 December 2026, 09:00" in asked.text
    assert upstreams.sent("/appointments/visit-1/cancel") == [{"reason": "no_longer_needed"}]
    assert "Your visit is cancelled." in tracked.text
    assert f'href="/track/{REFERENCE}/book"' in tracked.text


def _refund(now: int, later: int = 0, changes_at: str | None = None, **more: Any) -> Any:
    values = {"paid": 6500, "refund_now": now, "refund_later": later, "changes_at": changes_at}
    return {**values, "automatic": True, **more}


@pytest.mark.parametrize(
    ("refund", "said"),
    [
        (
            _refund(6500, 0, "2026-12-06T09:00:00Z"),
            [
                "If you cancel now, we will refund the £65.00 you paid to the card you paid with.",
                "If you cancel after 6 December 2026, 09:00, you will not get a refund.",
            ],
        ),
        (
            _refund(3250, 650, "2026-12-06T09:00:00Z"),
            [
                "we will refund £32.50 of the £65.00 you paid",
                "If you cancel after 6 December 2026, 09:00, we will refund £6.50.",
            ],
        ),
        (_refund(0), ["you will not get back the £65.00 you paid, because the visit is too soon"]),
        (
            _refund(0, automatic=False),
            ["You paid £65.00. Cancelling does not refund it by itself"],
        ),
    ],
    ids=["whole-fee-until-a-day-before", "part-now-less-later", "too-late", "no-rule"],
)
async def test_cancelling_says_what_comes_back_before_anything_is_cancelled(
    web: httpx.AsyncClient, upstreams: Upstreams, refund: dict[str, Any], said: list[str]
) -> None:
    await book(web)
    upstreams.refund = refund

    asked = await web.get(f"/track/{REFERENCE}/visit/cancel")

    for words in said:
        assert words in asked.text
    assert upstreams.sent("/appointments/visit-1/cancel") == [], "asking cancels nothing"


async def test_nothing_paid_or_payments_silent_promises_no_refund(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await book(web)
    upstreams.refund = None  # payments answers 404: no payment it shows

    asked = await web.get(f"/track/{REFERENCE}/visit/cancel")

    assert asked.status_code == 200 and "Cancel the visit" in asked.text
    assert 'id="refund"' not in asked.text


async def test_the_refund_is_said_in_welsh(web: httpx.AsyncClient, upstreams: Upstreams) -> None:
    await book(web)
    upstreams.refund = _refund(6500, 0, "2026-12-06T09:00:00Z")
    await web.get("/language", params={"to": "cy", "next": "/track"})

    asked = await web.get(f"/track/{REFERENCE}/visit/cancel")

    assert "byddwn yn ad-dalu'r £65.00 a daloch" in asked.text


async def test_a_change_or_cancellation_after_the_cut_off_shows_when_it_closed(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await book(web)
    upstreams.late = True
    for path, form in (("/visit/cancel", {}), ("/visit/change", {"slot": LATER})):
        refused = await post(web, f"/track/{REFERENCE}{path}", **form)
        tracked = await web.get(refused.headers["location"])
        assert "too late to change or cancel this visit here" in tracked.text
        assert "6 December 2026, 14:00" in tracked.text, "booking's cut_off_at, not its words"
        assert "Change the visit" in tracked.text, "the visit stands"


async def test_the_cut_off_is_said_in_welsh_from_bookings_data(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await book(web)
    upstreams.late = True
    await web.get("/language", params={"to": "cy", "next": "/track"})
    refused = await post(web, f"/track/{REFERENCE}/visit/cancel")
    tracked = await web.get(refused.headers["location"])
    assert "6 Rhagfyr 2026, 14:00" in tracked.text
    assert "too late" not in tracked.text


async def test_a_cut_off_booking_gives_no_time_for_is_said_without_one(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    upstreams.cut_off_at = None
    await book(web)
    upstreams.late = True
    refused = await post(web, f"/track/{REFERENCE}/visit/cancel")
    tracked = await web.get(refused.headers["location"])
    assert "It is too late to change or cancel this visit here." in tracked.text


async def test_booking_without_a_code_asks_for_one_and_holds_nothing(
    upstreams: Upstreams,
) -> None:
    stub = Starlette(routes=[Route("/{path:path}", upstreams.answer, methods=["GET", "POST"])])
    app = create(
        WebSettings(SERVICE_URLS_JSON={"booking": "http://b.internal"}, ENVIRONMENT="development"),
        transports={"booking": httpx.ASGITransport(app=stub)},
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://townhall.example"
    ) as fresh:
        page = await fresh.get(f"/track/{REFERENCE}/book")
        held = await post(fresh, f"/track/{REFERENCE}/book", slot=FIRST)
    assert page.headers["location"] == f"/track?reference={REFERENCE}"
    assert held.headers["location"] == f"/track?reference={REFERENCE}"
    assert upstreams.calls == []
