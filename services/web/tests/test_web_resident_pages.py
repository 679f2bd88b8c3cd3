"""The resident front door over HTTP, with cases, identity and resident-view faked at the
HTTP boundary: what each page sends them, what it shows back, and that a mistake shows
the error summary and sends nothing."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from townhall.web.app import create
from townhall.web.config import WebSettings
from townhall.web.resident import progress

PEST = {
    "code": "pest_control",
    "name": "Pest control",
    "description": "Book a pest control treatment at your home.",
    "fee_pence": 6500,
    "location_required": True,
    "sla_hours": 240.0,
    "form": {
        "type": "object",
        "required": ["pest"],
        "properties": {
            "pest": {"type": "string", "title": "Which pest?", "enum": ["rats", "mice"]},
            "rooms_affected": {"type": "integer", "title": "How many rooms?", "minimum": 1},
        },
    },
}
REFERENCE = "PC-2026-000042"
SENSITIVE = "SPD-2026-000007"
CODE = "123456"
#: The tokens that follow REFERENCE: a code to follow's, and the reporter's named one.
FOLLOWING = ("Bearer visit-token", "Bearer named-token")
TRACKING = {
    "reference": REFERENCE,
    "status": "awaiting_payment",
    "status_since": "2026-12-05T09:30:00+00:00",
    "due_at": "2026-12-15T09:30:00+00:00",
    "overdue": False,
    "next_step": "Pay the fee of £65.00.",
    "withheld_until_verified": False,
    "steps": [
        {
            "time": "2026-12-05T09:30:00+00:00",
            "type": "townhall.cases.case.submitted.v1",
            "summary": "Request submitted",
            "data": {"status": "submitted"},
        },
        {
            "time": "2026-12-05T10:00:00+00:00",
            "type": "townhall.cases.case.update_posted.v1",
            "summary": "Update posted",
            "data": {"text": "We treat within 10 days of payment"},
        },
    ],
}


@dataclass
class Upstreams:
    """Cases, identity and resident-view as web sees them, and what reached them."""

    calls: list[tuple[str, str, Any, str | None]] = field(default_factory=list)
    #: How the payment went at the provider: success, failed, or started (abandoned).
    outcome: str = "success"
    keys: list[str] = field(default_factory=list)
    #: Whether identity names a reported request (False: it is down).
    names: bool = True
    tracking: dict[str, Any] = field(default_factory=lambda: dict(TRACKING))

    async def answer(self, request: Request) -> Response:
        body = json.loads(await request.body() or b"null")
        token = request.headers.get("authorization")
        path = request.url.path
        self.calls.append((request.method, path, body, token))
        if path == "/service-types":
            return JSONResponse([PEST])
        if path == "/service-types/pest_control":
            return JSONResponse(PEST)
        if path == "/cases":
            return JSONResponse({"id": "x", "reference": REFERENCE}, 201)
        if path == "/auth/tracking" and body.get("email") == "busy@example.org":
            return JSONResponse({"detail": "too many codes"}, 429, headers={"Retry-After": "60"})
        if path == "/auth/tracking":
            return JSONResponse({"reference": "TH-ABCDEFGH", "expires_in": 600}, 202)
        if path == "/auth/codes/redeem":
            if body["code"] != CODE:
                return JSONResponse({"detail": "wrong code"}, 401)
            return JSONResponse({"access_token": "visit-token", "expires_in": 900})
        if path == "/auth/tracking/request" and token == "Bearer visit-token":
            if not self.names:
                return JSONResponse({"detail": "identity is down"}, 503)
            return JSONResponse({"access_token": "named-token", "expires_in": 600})
        if path == f"/tracking/{SENSITIVE}":
            return JSONResponse({"detail": "verify your identity"}, 403)
        if path == f"/tracking/{REFERENCE}" and token in FOLLOWING:
            return JSONResponse(self.tracking)
        if path == f"/cases/{REFERENCE}/payments" and request.method == "POST":
            self.keys.append(request.headers["idempotency-key"])
            return JSONResponse(self.payment("created"), 201)
        if path == f"/cases/{REFERENCE}/payments/pay-1" and token in FOLLOWING:
            if self.outcome == "not this request's":
                return JSONResponse({"detail": "no such payment"}, 404)
            return JSONResponse(self.payment(self.outcome))
        return JSONResponse({"detail": "not found"}, 404)

    def payment(self, status: str) -> dict[str, Any]:
        finished = status in ("success", "failed")
        return {
            "payment_id": "pay-1",
            "amount": 6500,
            "state": {"status": status, "finished": finished},
            "next_url": None if finished else "https://pay.example/card/1",
        }

    def sent(self, path: str, method: str = "POST") -> list[tuple[Any, str | None]]:
        """What was sent to ``path``, with the token it carried."""
        return [(b, token) for m, p, b, token in self.calls if (m, p) == (method, path)]


@pytest.fixture
def upstreams() -> Upstreams:
    return Upstreams()


@pytest.fixture
async def web(upstreams: Upstreams) -> AsyncIterator[httpx.AsyncClient]:
    stub = Starlette(routes=[Route("/{path:path}", upstreams.answer, methods=["GET", "POST"])])
    names = ("identity", "cases", "resident-view", "payments")
    urls = {name: f"http://{name}.internal" for name in names}
    transports = {name: httpx.ASGITransport(app=stub) for name in names}
    app = create(
        WebSettings(SERVICE_URLS_JSON=urls, ENVIRONMENT="development"), transports=transports
    )
    async with app.router.lifespan_context(app):
        front = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=front, base_url="http://townhall.example") as c:
            yield c


def csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found[1]


async def post(web: httpx.AsyncClient, path: str, **form: str) -> httpx.Response:
    """Post ``form`` with the session's CSRF token (one per session, on every form)."""
    page = await web.get("/track")
    return await web.post(path, data={"csrf_token": csrf(page), **form})


async def answer_every_page(web: httpx.AsyncClient, **contact: str) -> None:
    base = "/report/pest_control"
    steps = [
        (base, {"field-pest": "rats", "field-rooms_affected": "2", "description": "Kitchen"}),
        (f"{base}/where", {"address": "1 Example Street", "postcode": "ex1 1aa"}),
        (f"{base}/contact", contact),
    ]
    for path, form in steps:
        answered = await post(web, path, **form)
        assert answered.status_code == 303, answered.text


async def test_the_catalogue_lists_each_service_with_a_link_to_its_form(
    web: httpx.AsyncClient,
) -> None:
    page = await web.get("/report")
    assert page.status_code == 200
    assert 'href="/report/pest_control"' in page.text
    assert "Book a pest control treatment at your home." in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


async def test_a_service_form_is_generated_from_its_schema(web: httpx.AsyncClient) -> None:
    page = await web.get("/report/pest_control")
    assert 'name="field-pest" type="radio" value="rats"' in page.text
    assert 'id="field-rooms_affected"' in page.text
    assert "How many rooms? (optional)" in page.text


async def test_a_mistake_shows_the_error_summary_keeps_the_answers_and_sends_nothing(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    details = await post(web, "/report/pest_control", **{"field-rooms_affected": "lots"})
    where = await post(web, "/report/pest_control/where", address="", postcode="nowhere")
    assert details.status_code == 400
    assert "govuk-error-summary" in details.text
    assert 'href="#field-pest">Answer this question' in details.text
    assert "Enter a whole number" in details.text
    assert 'value="lots"' in details.text, "what was typed is shown again"
    assert where.status_code == 400
    assert "Enter the address or describe where it is" in where.text
    assert "Enter a real postcode, like SW1A 1AA" in where.text
    assert upstreams.sent("/cases") == [] and upstreams.sent("/auth/tracking") == []


async def test_a_form_without_its_csrf_token_is_refused(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await web.get("/report/pest_control")
    answer = await web.post("/report/pest_control", data={"field-pest": "rats"})
    assert answer.status_code == 403
    assert "This form has expired" in answer.text
    assert 'href="/report"' in answer.text, "a resident is sent back to the resident pages"


async def test_check_your_answers_shows_every_answer_with_a_change_link(
    web: httpx.AsyncClient,
) -> None:
    await answer_every_page(
        web, given_name="Rita", family_name="Ratcatcher", email="rita@example.org"
    )
    page = await web.get("/report/pest_control/check")
    assert page.status_code == 200
    for shown in ("Rats", "Kitchen", "1 Example Street", "EX1 1AA", "Rita Ratcatcher"):
        assert shown in page.text
    assert 'href="/report/pest_control/where#postcode"' in page.text
    assert 'href="/report/pest_control/contact#email"' in page.text


async def test_changing_an_answer_goes_back_to_check_your_answers(web: httpx.AsyncClient) -> None:
    await answer_every_page(web)
    changed = await post(web, "/report/pest_control", **{"field-pest": "mice"})
    assert changed.headers["location"] == "/report/pest_control/check"
    assert "Mice" in (await web.get("/report/pest_control/check")).text


async def test_a_resident_with_an_email_sends_the_request_once_the_code_proves_it(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await answer_every_page(
        web, given_name="Rita", family_name="Ratcatcher", email="rita@example.org"
    )
    asked = await post(web, "/report/pest_control/check")
    wrong = await post(web, "/report/pest_control/code", code="000000")
    assert upstreams.sent("/cases") == [], "a wrong code sends nothing"
    right = await post(web, "/report/pest_control/code", code=CODE)
    confirmation = await web.get(right.headers["location"])

    assert asked.headers["location"] == "/report/pest_control/code"
    assert upstreams.sent("/auth/tracking") == [
        (
            {
                "given_name": "Rita",
                "family_name": "Ratcatcher",
                "email": "rita@example.org",
                "language": "en",
            },
            None,
        )
    ]
    assert wrong.status_code == 400
    assert "The code is wrong or has expired" in wrong.text
    [(case, token)] = upstreams.sent("/cases")
    assert token == "Bearer visit-token", "sent as the resident the code proved"
    assert case == {
        "service_code": "pest_control",
        "details": {"pest": "rats", "rooms_affected": 2},
        "description": "Kitchen",
        "channel": "online",
        "reporter": {
            "given_name": "Rita",
            "family_name": "Ratcatcher",
            "email": "rita@example.org",
        },
        "location": {"address": "1 Example Street, EX1 1AA", "postcode": "EX1 1AA"},
    }
    assert right.headers["location"] == "/report/confirmation"
    assert REFERENCE in confirmation.text
    assert "£65.00" in confirmation.text
    assert f'href="/track/{REFERENCE}"' in confirmation.text, "no second code to follow it"


async def test_a_resident_who_gives_no_contact_reports_anonymously(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await answer_every_page(web)
    sent = await post(web, "/report/pest_control/check")
    confirmation = await web.get("/report/confirmation")
    [(case, token)] = upstreams.sent("/cases")
    assert sent.headers["location"] == "/report/confirmation"
    assert token is None and case["reporter"] == {}
    assert upstreams.sent("/auth/tracking") == []
    assert "you cannot track this request online" in confirmation.text


async def test_contact_details_need_a_name_and_a_real_address(web: httpx.AsyncClient) -> None:
    await answer_every_page(web)
    page = await post(web, "/report/pest_control/contact", email="not-an-email")
    assert page.status_code == 400
    assert "Enter an email address in the correct format" in page.text
    assert "Enter your first name" in page.text


async def test_tracking_shows_the_status_what_happens_next_and_every_step(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    asked = await post(web, "/track", reference="pc-2026-000042", contact="rita@example.org")
    shown = await post(web, "/track/code", code=CODE)
    page = await web.get(shown.headers["location"])

    assert asked.headers["location"] == "/track/code"
    assert upstreams.sent("/auth/tracking") == [
        ({"email": "rita@example.org", "request_reference": REFERENCE, "language": "en"}, None)
    ]
    assert shown.headers["location"] == f"/track/{REFERENCE}"
    assert "Waiting for payment" in page.text
    assert "Pay the fee, then we can arrange what happens next." in page.text
    assert "We treat within 10 days of payment" in page.text
    assert page.text.index("An update from the council") < page.text.index(
        "We received your request"
    ), "newest first"
    [(_, token)] = upstreams.sent(f"/tracking/{REFERENCE}", "GET")
    assert token == "Bearer visit-token"


async def test_tracking_in_welsh(web: httpx.AsyncClient) -> None:
    switched = await web.get("/language", params={"to": "cy", "next": "/track"})
    page = await web.get(switched.headers["location"])
    await post(web, "/track", reference=REFERENCE, contact="07700 900982")
    await post(web, "/track/code", code=CODE)
    tracked = await web.get(f"/track/{REFERENCE}")
    assert '<html lang="cy"' in page.text
    assert 'lang="en" hreflang="en">English</a>' in page.text
    assert "Aros am daliad" in tracked.text


async def test_a_request_is_not_shown_without_a_code(web: httpx.AsyncClient) -> None:
    answer = await web.get(f"/track/{REFERENCE}")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/track?reference={REFERENCE}"


async def test_the_language_switch_goes_only_to_this_site(web: httpx.AsyncClient) -> None:
    answer = await web.get("/language", params={"to": "cy", "next": "//evil.example/x"})
    assert answer.headers["location"] == "/report"


async def test_tracking_refuses_a_malformed_reference_and_asks_nothing(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    page = await post(web, "/track", reference="rats", contact="")
    assert page.status_code == 400
    assert "Enter a reference like PC-2026-000123" in page.text
    assert "Enter the email address or phone number you gave us" in page.text
    assert upstreams.sent("/auth/tracking") == []


async def following(web: httpx.AsyncClient) -> None:
    """A resident who has tracked the request: a token for it in their session."""
    await post(web, "/track", reference=REFERENCE, contact="rita@example.org")
    await post(web, "/track/code", code=CODE)


async def test_an_unpaid_request_offers_to_pay_on_the_providers_page(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await following(web)
    tracked = await web.get(f"/track/{REFERENCE}")
    started = await post(web, f"/track/{REFERENCE}/pay")
    page = await web.get(started.headers["location"])

    assert f'action="/track/{REFERENCE}/pay"' in tracked.text
    [(body, token)] = upstreams.sent(f"/cases/{REFERENCE}/payments")
    assert token == "Bearer visit-token"
    assert body == {
        "return_url": f"http://townhall.example/track/{REFERENCE}/paid",
        "language": "en",
    }
    assert started.headers["location"] == f"/track/{REFERENCE}/pay"
    assert 'href="https://pay.example/card/1"' in page.text, "a link: forms post here only"


async def test_coming_back_paid_shows_the_payment_on_the_request(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await following(web)
    await post(web, f"/track/{REFERENCE}/pay")
    back = await web.get(f"/track/{REFERENCE}/paid")
    page = await web.get(back.headers["location"])
    assert back.headers["location"] == f"/track/{REFERENCE}"
    assert "Your payment of £65.00 went through." in page.text


@pytest.mark.parametrize(
    ("outcome", "heading"),
    [("failed", "Your payment did not go through"), ("started", "You have not finished paying")],
)
async def test_coming_back_unpaid_offers_another_try_as_a_new_payment(
    web: httpx.AsyncClient, upstreams: Upstreams, outcome: str, heading: str
) -> None:
    upstreams.outcome = outcome
    await following(web)
    await post(web, f"/track/{REFERENCE}/pay")
    back = await web.get(f"/track/{REFERENCE}/paid")
    again = await post(web, f"/track/{REFERENCE}/pay")
    assert back.status_code == 200
    assert heading in back.text
    assert f'action="/track/{REFERENCE}/pay"' in back.text
    assert again.headers["location"] == f"/track/{REFERENCE}/pay"
    assert len(set(upstreams.keys)) == 2, "each attempt is a new payment"


async def test_paying_without_a_code_asks_for_one_and_starts_nothing(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    answer = await post(web, f"/track/{REFERENCE}/pay")
    assert answer.headers["location"] == f"/track?reference={REFERENCE}"
    assert upstreams.sent(f"/cases/{REFERENCE}/payments") == []


async def test_a_contact_sent_too_many_codes_is_told_to_wait_at_the_field(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    page = await post(web, "/track", reference=REFERENCE, contact="busy@example.org")
    assert page.status_code == 400
    assert 'href="#contact">We have sent a lot of codes to this contact.' in page.text
    assert 'value="busy@example.org"' in page.text


def test_a_request_paid_a_moment_ago_offers_no_second_payment() -> None:
    paid = {"time": "2026-12-05T10:05:00+00:00", "type": "townhall.payments.payment.succeeded.v1"}
    failed = {**paid, "type": "townhall.payments.payment.failed.v1"}
    shown = progress.state({**TRACKING, "steps": [*TRACKING["steps"], failed, paid]})
    retry = progress.state({**TRACKING, "steps": [*TRACKING["steps"], paid, failed]})
    assert shown["payable"] is False, "cases has not yet moved it on; the fee is paid"
    assert shown["next"] == "We have your payment. We will arrange what happens next."
    assert shown["steps"][0]["what"] == "Your payment went through", "newest first"
    assert retry["payable"] is True


async def test_a_sensitive_request_asks_for_more_than_a_code(web: httpx.AsyncClient) -> None:
    await post(web, "/track", reference=SENSITIVE, contact="rita@example.org")
    await post(web, "/track/code", code=CODE)
    page = await web.get(f"/track/{SENSITIVE}")
    assert page.status_code == 403
    assert "You need to prove who you are to see this request" in page.text


async def test_proving_a_code_gives_the_browser_a_new_session(web: httpx.AsyncClient) -> None:
    await post(web, "/track", reference=REFERENCE, contact="rita@example.org")
    before = web.cookies["townhall_session"]
    await post(web, "/track/code", code=CODE)
    after = web.cookies["townhall_session"]
    assert after != before, "a session id planted before the code opens nothing after it"
    assert (await web.get(f"/track/{REFERENCE}")).status_code == 200


async def test_the_english_only_catalogue_is_marked_english_on_a_welsh_page(
    web: httpx.AsyncClient,
) -> None:
    await web.get("/language", params={"to": "cy", "next": "/report"})
    page = await web.get("/report")
    assert "Rhoi gwybod am rywbeth neu wneud cais" in page.text
    assert 'href="/report/pest_control" lang="en">Pest control</a>' in page.text


async def test_a_new_code_goes_to_the_same_contact_for_the_same_request(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await post(web, "/track", reference=REFERENCE, contact="rita@example.org")
    again = await post(web, "/track/code/again")
    page = await web.get(again.headers["location"])
    shown = await post(web, "/track/code", code=CODE)
    asked = {"email": "rita@example.org", "request_reference": REFERENCE, "language": "en"}
    assert upstreams.sent("/auth/tracking") == [(asked, None), (asked, None)]
    assert "We have sent you a new code." in page.text
    assert shown.headers["location"] == f"/track/{REFERENCE}"


async def reported(web: httpx.AsyncClient) -> httpx.Response:
    """A resident who reported with an email and proved it: the confirmation page."""
    await answer_every_page(
        web, given_name="Rita", family_name="Ratcatcher", email="rita@example.org"
    )
    await post(web, "/report/pest_control/check")
    sent = await post(web, "/report/pest_control/code", code=CODE)
    return await web.get(sent.headers["location"])


async def test_a_reporter_tracks_and_pays_for_their_request_without_a_second_code(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    confirmation = await reported(web)
    tracked = await web.get(f"/track/{REFERENCE}")
    await post(web, f"/track/{REFERENCE}/pay")
    back = await web.get(f"/track/{REFERENCE}/paid")

    assert f'href="/track/{REFERENCE}"' in confirmation.text
    assert "without another code" in confirmation.text
    assert upstreams.sent("/auth/tracking/request") == [
        ({"request_reference": REFERENCE}, "Bearer visit-token")
    ], "the reporter's token names the request it sent"
    assert len(upstreams.sent("/auth/tracking")) == 1, "one code, to report"
    assert tracked.status_code == 200 and "Waiting for payment" in tracked.text
    [(_, token)] = upstreams.sent(f"/cases/{REFERENCE}/payments")
    assert token == "Bearer named-token"
    [(_, token)] = upstreams.sent(f"/cases/{REFERENCE}/payments/pay-1", "GET")
    assert token == "Bearer named-token", "the payment as it stands, by its id"
    assert back.headers["location"] == f"/track/{REFERENCE}"


async def test_a_reporter_identity_will_not_name_a_request_for_tracks_it_with_a_code(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    upstreams.names = False
    confirmation = await reported(web)
    assert confirmation.status_code == 200 and REFERENCE in confirmation.text
    assert f'href="/track?reference={REFERENCE}"' in confirmation.text
    assert (await web.get(f"/track/{REFERENCE}")).headers["location"] == (
        f"/track?reference={REFERENCE}"
    )
    assert len(upstreams.sent("/cases")) == 1, "the request went all the same"


async def test_codes_are_sent_in_the_language_the_resident_chose(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    await web.get("/language", params={"to": "cy", "next": "/track"})
    await post(web, "/track", reference=REFERENCE, contact="rita@example.org")
    await post(web, "/track/code/again")
    await reported(web)
    assert [body["language"] for body, _ in upstreams.sent("/auth/tracking")] == ["cy"] * 3


async def test_what_happens_next_is_worded_from_resident_views_code_in_welsh(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    upstreams.tracking["next"] = {"code": "pay", "params": {"fee_pence": 6500}}
    await following(web)
    english = await web.get(f"/track/{REFERENCE}")
    await web.get("/language", params={"to": "cy", "next": "/track"})
    welsh = await web.get(f"/track/{REFERENCE}")
    assert "Pay £65.00 so that we can go ahead with your request." in english.text
    assert "Talwch £65.00 er mwyn i ni allu bwrw ymlaen â'ch cais." in welsh.text


def test_a_booked_visit_is_told_in_the_residents_language() -> None:
    booked = {"code": "visit_booked", "params": {"visit_at": "2026-12-10T10:30:00+00:00"}}
    tracking = {**TRACKING, "status": "scheduled", "next": booked}
    welsh, english = progress.state(tracking, "cy"), progress.state(tracking, "en")
    assert welsh["next"] == "A visit is booked for %(day)s at %(time)s."
    assert welsh["next_args"] == {"day": "10 Rhagfyr 2026", "time": "10:30"}
    assert english["next_args"] == {"day": "10 December 2026", "time": "10:30"}
    unknown = progress.state({**TRACKING, "next": {"code": "new_in_2027", "params": {}}})
    assert unknown["next"] == "Pay the fee, then we can arrange what happens next."


async def test_coming_back_with_a_payment_payments_does_not_know_goes_back_to_the_request(
    web: httpx.AsyncClient, upstreams: Upstreams
) -> None:
    upstreams.outcome = "not this request's"
    await following(web)
    await post(web, f"/track/{REFERENCE}/pay")
    back = await web.get(f"/track/{REFERENCE}/paid")
    again = await web.get(f"/track/{REFERENCE}/paid")
    assert back.headers["location"] == f"/track/{REFERENCE}", "a clear page, never a 500"
    assert again.headers["location"] == f"/track/{REFERENCE}", "the stale payment is forgotten"
    assert len(upstreams.sent(f"/cases/{REFERENCE}/payments/pay-1", "GET")) == 1


@pytest.mark.parametrize(
    ("steps", "asked"),
    [
        ([{"summary_params": {"service_code": "pest_control"}}], False),
        (
            [{"summary_params": {"service_code": "pest_control"}}, {"type": "x.evidence_added"}],
            False,
        ),
        (
            [
                {"summary_params": {"service_code": "pest_control"}},
                {"type": "townhall.cases.case.evidence_added.v1", "summary_params": {}},
            ],
            True,
        ),
        ([{"summary_params": {}}], True),
    ],
    ids=["no-files-type-asks-none", "not-cases-evidence", "a-file-was-added", "type-unknown"],
)
async def test_the_tracking_page_asks_cases_for_files_only_when_there_may_be_some(
    web: httpx.AsyncClient, upstreams: Upstreams, steps: list[dict[str, Any]], asked: bool
) -> None:
    base = {"time": "2026-12-05T09:30:00+00:00", "type": "townhall.cases.case.submitted.v1"}
    upstreams.tracking = {**TRACKING, "steps": [{**base, "summary": "", **s} for s in steps]}
    await post(web, "/track", reference=REFERENCE, contact="rita@example.org")
    shown = await post(web, "/track/code", code=CODE)

    page = await web.get(shown.headers["location"])

    assert page.status_code == 200
    assert bool(upstreams.sent(f"/cases/{REFERENCE}/evidence", "GET")) is asked


def _sent(**data: str) -> dict[str, Any]:
    return {
        "time": "2026-12-05T11:00:00+00:00",
        "type": "townhall.notifications.notification.sent.v1",
        "summary": "Email about request PC-2026-000042 sent",
        "data": {"cause_type": "townhall.booking.appointment.confirmed.v1", **data},
    }


@pytest.mark.parametrize(
    ("language", "data", "said"),
    [
        (
            "en",
            {"channel": "email", "rule": "appointment_confirmed"},
            ["We emailed you", "To confirm your visit."],
        ),
        (
            "cy",
            {"channel": "sms", "rule": "payment_succeeded"},
            ["Gwnaethom anfon neges destun atoch", "I gadarnhau eich taliad."],
        ),
        ("en", {"channel": "letter", "rule": "a_councils_own_rule"}, ["We sent you a letter"]),
        ("en", {}, ["We sent you a message"]),
    ],
    ids=["email-visit", "welsh-text-payment", "own-rule", "nothing-said"],
)
async def test_a_message_sent_says_how_and_what_for_never_what_it_said(
    web: httpx.AsyncClient,
    upstreams: Upstreams,
    language: str,
    data: dict[str, str],
    said: list[str],
) -> None:
    upstreams.tracking = {**TRACKING, "steps": [*TRACKING["steps"], _sent(**data)]}
    await web.get("/language", params={"to": language, "next": "/track"})
    await post(web, "/track", reference=REFERENCE, contact="rita@example.org")
    shown = await post(web, "/track/code", code=CODE)

    page = await web.get(shown.headers["location"])

    for words in said:
        assert words in page.text
    assert "appointment_confirmed" not in page.text and "a_councils_own_rule" not in page.text
