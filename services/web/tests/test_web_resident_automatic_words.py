"""The words cases writes itself on a request (a fee due, a payment or booking arriving,
a failed payment's update) reach the tracking page in its language, from their code and
facts; an officer's words, and a code new to the front door, show as written."""

from __future__ import annotations

import html
from typing import Any

import httpx
import pytest

from services.web.tests.test_web_resident_pages import REFERENCE, TRACKING, following
from services.web.tests.test_web_resident_summaries import WelshCatalogue, web
from townhall.web.resident import progress

__all__ = ["web"]  # the front door over stubbed upstreams, as the summaries tests use it

STARTS_AT = "2026-12-07T09:00:00+00:00"
#: (code, facts, the English cases wrote, the Welsh the page says)
AUTOMATIC = [
    ("fee_due", {"amount_pence": 6500}, "Pay £65.00 to continue", "Talwch £65.00 i barhau"),
    ("payment_received", None, "Payment received", "Taliad wedi dod i law"),
    (
        "appointment_booked",
        {"starts_at": STARTS_AT},
        f"Appointment booked for {STARTS_AT}",
        "Apwyntiad wedi'i drefnu ar gyfer 7 Rhagfyr 2026 am 09:00",
    ),
    ("appointment_booked", None, "Appointment booked", "Apwyntiad wedi'i drefnu"),
    (
        "appointment_cancelled",
        None,
        "Appointment cancelled: please book a new one",
        "Apwyntiad wedi'i ganslo: trefnwch un newydd",
    ),
]
FAILED = "Your payment did not go through. Please try again."
FAILED_CY = "Ni aeth eich taliad drwodd. Rhowch gynnig arall arni."


def _changed(n: int, code: str | None, params: Any, reason: str) -> dict[str, Any]:
    return {
        "time": f"2026-12-05T10:{n:02d}:00+00:00",
        "type": "townhall.cases.case.status_changed.v1",
        "summary": "Status changed",
        "data": {
            "to_status": "triaged",
            "reason": reason,
            "reason_code": code,
            "reason_params": params,
        },
    }


def _update(n: int, code: str | None, text: str) -> dict[str, Any]:
    return {
        "time": f"2026-12-05T11:{n:02d}:00+00:00",
        "type": "townhall.cases.case.update_posted.v1",
        "summary": "Update posted",
        "data": {"text": text, "text_code": code},
    }


def automatic_steps() -> list[dict[str, Any]]:
    return [
        *(_changed(n, code, params, said) for n, (code, params, said, _) in enumerate(AUTOMATIC)),
        _update(0, "payment_failed", FAILED),
    ]


@pytest.fixture
def upstreams() -> WelshCatalogue:
    return WelshCatalogue(tracking={**TRACKING, "steps": automatic_steps()})


async def test_a_welsh_tracking_page_words_cases_own_reasons_in_welsh(
    web: httpx.AsyncClient,
) -> None:
    await web.get("/language", params={"to": "cy", "next": "/track"})
    await following(web)
    page = html.unescape((await web.get(f"/track/{REFERENCE}")).text)

    assert '<html lang="cy"' in page
    for welsh in [*(cy for *_, cy in AUTOMATIC), FAILED_CY]:
        assert welsh in page
    shown_english = [en for _, _, en, _ in AUTOMATIC if en in page] + [FAILED] * (FAILED in page)
    assert shown_english == []


async def test_an_english_tracking_page_says_the_same_words_as_before(
    web: httpx.AsyncClient,
) -> None:
    await following(web)
    page = html.unescape((await web.get(f"/track/{REFERENCE}")).text)

    assert "Pay £65.00 to continue" in page
    assert "Payment received" in page
    assert "Appointment booked for 7 December 2026 at 09:00" in page
    assert "Appointment cancelled: please book a new one" in page
    assert FAILED in page


@pytest.mark.parametrize(
    "found",
    [
        _changed(0, None, None, "Rats gone: we laid bait"),  # an officer's words
        _changed(0, "new_in_2027", {"x": 1}, "Rats gone: we laid bait"),
        _changed(0, "fee_due", None, "Rats gone: we laid bait"),  # a fact missing
        _changed(0, "appointment_booked", {"starts_at": "soon"}, "Rats gone: we laid bait"),
        _update(0, "new_in_2027", "Rats gone: we laid bait"),
    ],
)
def test_words_without_a_code_the_front_door_knows_show_as_written(found: dict[str, Any]) -> None:
    assert progress.step(found, "cy")["text"] == "Rats gone: we laid bait"
