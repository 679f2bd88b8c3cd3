"""Each timeline entry in the page's language, from resident-view's summary code: every
code has Welsh, and a Welsh tracking page built from a timeline with every code on it
shows no English summary; in English the same facts read in English."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.web.tests.test_web_resident_pages import (
    PEST,
    REFERENCE,
    TRACKING,
    Upstreams,
    following,
)
from townhall.web.app import create
from townhall.web.config import WebSettings
from townhall.web.i18n import translations
from townhall.web.resident import progress, summaries

VISIT = {"reference": REFERENCE, "starts_at": "2026-12-07T09:00:00+00:00"}
PESTS = {"service_code": "pest_control", "reference": REFERENCE}
#: One step per summary code resident-view gives: (type, code, facts, English summary).
EVERY_CODE: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "townhall.identity.resident.registered.v1",
        "registered",
        {"channel": "phone"},
        "Registered with the council (phone)",
    ),
    (
        "townhall.cases.case.submitted.v1",
        "request_submitted",
        PESTS,
        f"Pest control request {REFERENCE} submitted",
    ),
    (
        "townhall.cases.case.submitted.v1",
        "request_claimed",
        PESTS,
        f"Pest control request {REFERENCE} reported by someone giving this name and email or "
        "phone, not confirmed",
    ),
    (
        "townhall.cases.case.submitted.v1",
        "request_raised_by_officer",
        {**PESTS, "channel": "face_to_face"},
        f"Pest control request {REFERENCE} raised by an officer on the resident's behalf "
        "(face to face)",
    ),
    (
        "townhall.cases.case.reporter_confirmed.v1",
        "reporter_confirmed",
        {"reference": REFERENCE},
        f"Request {REFERENCE} confirmed as reported by this resident",
    ),
    (
        "townhall.cases.case.reporter_confirmed.v1",
        "reporter_confirmed_by_officer",
        {"reference": REFERENCE},
        f"Request {REFERENCE} confirmed as reported by this resident by an officer on their behalf",
    ),
    (
        "townhall.cases.case.status_changed.v1",
        "status_changed",
        {"reference": REFERENCE, "from_status": "submitted", "to_status": "awaiting_payment"},
        f"Request {REFERENCE}: submitted → awaiting payment",
    ),
    (
        "townhall.cases.contact.logged.v1",
        "contact_logged",
        {"channel": "email", "reason": "complaint"},
        "Contacted the council by email: complaint",
    ),
    (
        "townhall.cases.contact.logged.v1",
        "contact_logged_chasing",
        {"channel": "phone", "reason": "progress_chase"},
        "Contacted the council by phone: progress chase (chasing progress)",
    ),
    (
        "townhall.payments.payment.succeeded.v1",
        "paid",
        {"amount_pence": 6500, "reference": REFERENCE},
        f"Paid £65.00 for {REFERENCE}",
    ),
    (
        "townhall.payments.refund.refunded.v1",
        "refunded",
        {"amount_pence": 6500, "reference": REFERENCE},
        f"Refunded £65.00 for {REFERENCE}",
    ),
    (
        "townhall.booking.slot.held.v1",
        "slot_held",
        VISIT,
        f"Request {REFERENCE}: slot on Monday 7 December 2026 at 09:00 held",
    ),
    (
        "townhall.booking.appointment.confirmed.v1",
        "visit_booked",
        VISIT,
        f"Request {REFERENCE}: visit booked for Monday 7 December 2026 at 09:00",
    ),
    (
        "townhall.booking.appointment.cancelled.v1",
        "visit_cancelled",
        VISIT,
        f"Request {REFERENCE}: visit on Monday 7 December 2026 at 09:00 cancelled",
    ),
    (
        "townhall.booking.appointment.rescheduled.v1",
        "visit_moved",
        VISIT,
        f"Request {REFERENCE}: visit moved to Monday 7 December 2026 at 09:00",
    ),
    (
        "townhall.booking.appointment.visited.v1",
        "visit_recorded",
        {**VISIT, "outcome": "no_access"},
        f"Request {REFERENCE}: visit on Monday 7 December 2026 at 09:00: no access",
    ),
    (
        "townhall.booking.appointment.reminder_due.v1",
        "visit_reminder",
        VISIT,
        f"Request {REFERENCE}: reminder of the visit on Monday 7 December 2026 at 09:00",
    ),
    ("townhall.identity.resident.erased.v1", "erased", {}, "Personal data erased"),
]
WELSH_PEST = "Rheoli plâu"


def steps() -> list[dict[str, Any]]:
    return [
        {
            "event_id": f"e-{n}",
            "time": f"2026-12-05T{9 + n // 60:02d}:{n % 60:02d}:00+00:00",
            "type": kind,
            "summary": summary,
            "summary_code": code,
            "summary_params": params,
            "data": {"to_status": params["to_status"]} if "to_status" in params else {},
        }
        for n, (kind, code, params, summary) in enumerate(EVERY_CODE)
    ]


@dataclass
class WelshCatalogue(Upstreams):
    """Cases' catalogue in the language asked for, as cases answers it (or cases away)."""

    catalogue_up: bool = True

    async def answer(self, request: Request) -> Response:
        if request.url.path == "/service-types" and not self.catalogue_up:
            return JSONResponse({"detail": "cases is down"}, 503)
        if request.url.path == "/service-types":
            self.calls.append(("GET", "/service-types", dict(request.query_params), None))
            welsh = request.query_params.get("language") == "cy"
            said = {"name": WELSH_PEST, "language": "cy"} if welsh else {"language": "en"}
            return JSONResponse([{**PEST, **said}])
        return await super().answer(request)


@pytest.fixture
def upstreams() -> WelshCatalogue:
    return WelshCatalogue(tracking={**TRACKING, "steps": steps()})


@pytest.fixture
async def web(upstreams: WelshCatalogue) -> AsyncIterator[httpx.AsyncClient]:
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


def test_every_code_and_every_word_of_its_facts_has_welsh() -> None:
    welsh = translations("cy").gettext
    marked = [
        *summaries.SUMMARIES.values(),
        *summaries.HOW.values(),
        *summaries.REASONS.values(),
        *summaries.OUTCOMES.values(),
        *progress.STATUS.values(),
    ]
    assert [english for english in marked if welsh(english) == english] == []
    assert {code for _, code, _, _ in EVERY_CODE} == set(summaries.SUMMARIES)


def test_each_code_is_worded_with_its_facts_in_the_pages_language() -> None:
    names = {"pest_control": WELSH_PEST}
    [paid] = [s for s in steps() if s["summary_code"] == "paid"]
    [booked] = [s for s in steps() if s["summary_code"] == "visit_booked"]
    [moved_on] = [s for s in steps() if s["summary_code"] == "status_changed"]
    assert summaries.words(paid, "cy", names) == (
        "You paid %(amount)s for %(reference)s",
        {"amount": "£65.00", "reference": REFERENCE},
    )
    assert summaries.words(booked, "cy", names) == (
        "Request %(reference)s: visit booked for %(day)s at %(time)s",
        {"reference": REFERENCE, "day": "Dydd Llun 7 Rhagfyr 2026", "time": "09:00"},
    )
    _, facts = summaries.words(moved_on, "cy", names) or ("", {})
    assert (facts["from_status"], facts["to_status"]) == ("Wedi dod i law", "Aros am daliad")


@pytest.mark.parametrize(
    "changed",
    [
        {"summary_code": "new_in_2027"},
        {"summary_code": "contact_logged", "summary_params": {"channel": "pigeon"}},
        {"summary_code": "paid", "summary_params": None},
        {"summary_code": None},
    ],
)
def test_a_code_or_fact_new_to_the_front_door_gets_no_words(changed: dict[str, Any]) -> None:
    entry = {"summary_code": "contact_logged", "summary_params": {"channel": "phone"}}
    assert summaries.words({**entry, **changed}, "cy", {}) is None


async def test_a_welsh_tracking_page_with_every_code_shows_no_english_summary(
    web: httpx.AsyncClient,
) -> None:
    await web.get("/language", params={"to": "cy", "next": "/track"})
    await following(web)
    page = html.unescape((await web.get(f"/track/{REFERENCE}")).text)

    assert '<html lang="cy"' in page
    shown_english = [summary for *_, summary in EVERY_CODE if summary in page]
    assert shown_english == [], "resident-view's English summaries"
    welsh = translations("cy").gettext
    for step in steps():
        said = summaries.words(step, "cy", {"pest_control": WELSH_PEST})
        assert said is not None, step["summary_code"]
        template, facts = said
        in_english = summaries.words(step, "en", {"pest_control": "Pest control"})
        assert in_english is not None, step["summary_code"]
        english = template % in_english[1]
        assert english not in page, "the front door's own English"
        if step["summary_code"] != "status_changed":  # its new status is said instead
            assert welsh(template) % facts in page, step["summary_code"]
    assert f"{WELSH_PEST}: cyflwynwyd cais {REFERENCE}" in page


async def test_an_english_page_says_the_same_facts_in_english(
    web: httpx.AsyncClient, upstreams: WelshCatalogue
) -> None:
    await following(web)
    page = html.unescape((await web.get(f"/track/{REFERENCE}")).text)
    assert f"Pest control request {REFERENCE} submitted" in page
    assert f"You paid £65.00 for {REFERENCE}" in page
    assert f"Request {REFERENCE}: visit booked for Monday 7 December 2026 at 09:00" in page
    assert [q for m, p, q, _ in upstreams.calls if p == "/service-types"] == [{"language": "en"}]


async def test_without_cases_catalogue_a_step_naming_a_service_shows_as_before(
    web: httpx.AsyncClient, upstreams: WelshCatalogue
) -> None:
    upstreams.tracking = {**TRACKING, "steps": steps()[1:2]}
    upstreams.catalogue_up = False
    await following(web)
    page = await web.get(f"/track/{REFERENCE}")
    assert page.status_code == 200
    assert "We received your request" in page.text
