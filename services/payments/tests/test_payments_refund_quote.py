"""Before a resident cancels a booked visit, payments says what would come back: the
type's refund rule applied to what they paid, now and after the cut-off. Asking
changes nothing; the refund itself follows booking's cancellation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from townhall.payments.testing import (
    FEE,
    OTHER_RESIDENT,
    REFERENCE,
    RESIDENT,
    SUCCEEDS,
    bearer,
    counts,
)
from townhall.runtime.testkit.tokens import TestIssuer

QUOTE = f"/cases/{REFERENCE}/refund-if-cancelled"


def _tracking(issuer: TestIssuer, resident: object = RESIDENT) -> dict[str, str]:
    return bearer(issuer.tracking(str(resident), REFERENCE))


async def _pay(http: httpx.AsyncClient, issuer: TestIssuer) -> None:
    made = await http.post(
        f"/cases/{REFERENCE}/payments",
        json={"return_url": "https://council.example/track/PC-2026-000123/paid"},
        headers={**_tracking(issuer), "Idempotency-Key": "pay-once"},
    )
    assert made.status_code == 201, made.text
    page = made.json()["next_url"].removeprefix("http://payments")
    await http.post(page, data={"card_number": SUCCEEDS, "action": "pay"})


async def _quote(
    http: httpx.AsyncClient, issuer: TestIssuer, starts_at: datetime
) -> httpx.Response:
    return await http.get(
        QUOTE, params={"starts_at": starts_at.isoformat()}, headers=_tracking(issuer)
    )


async def test_a_paid_visit_days_away_gives_the_whole_fee_back_until_a_day_before(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    await _pay(http, issuer)
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)

    quote = await _quote(http, issuer, starts)

    assert quote.status_code == 200, quote.text
    body = quote.json()
    assert (body["paid"], body["refund_now"], body["refund_later"]) == (FEE, FEE, 0)
    assert datetime.fromisoformat(body["changes_at"]) == starts - timedelta(days=1)
    assert body["automatic"] is True


async def test_a_visit_within_the_cut_off_gives_nothing_back(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    await _pay(http, issuer)

    body = (await _quote(http, issuer, datetime.now(UTC) + timedelta(hours=2))).json()

    assert (body["paid"], body["refund_now"], body["changes_at"]) == (FEE, 0, None)


async def test_nothing_paid_yet_is_nothing_to_give_back(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    made = await http.post(
        f"/cases/{REFERENCE}/payments",
        json={"return_url": "https://council.example/paid"},
        headers={**_tracking(issuer), "Idempotency-Key": "open"},
    )
    assert made.status_code == 201

    body = (await _quote(http, issuer, datetime.now(UTC) + timedelta(days=3))).json()

    assert (body["paid"], body["refund_now"], body["refund_later"]) == (0, 0, 0)


async def test_a_type_without_a_rule_says_only_an_officer_refunds(
    without_rules: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    await _pay(without_rules, issuer)

    body = (await _quote(without_rules, issuer, datetime.now(UTC) + timedelta(days=3))).json()

    assert (body["paid"], body["refund_now"], body["automatic"]) == (FEE, 0, False)


async def test_bad_or_foreign_questions_are_refused_and_change_nothing(
    http: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    await _pay(http, issuer)
    before = await counts(http)
    soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    stranger = _tracking(issuer, OTHER_RESIDENT)

    answers = {
        "no time": await http.get(QUOTE, headers=_tracking(issuer)),
        "no offset": await http.get(
            QUOTE, params={"starts_at": "2026-12-10T10:00:00"}, headers=_tracking(issuer)
        ),
        "not a time": await http.get(
            QUOTE, params={"starts_at": "next tuesday"}, headers=_tracking(issuer)
        ),
        "someone else's": await http.get(QUOTE, params={"starts_at": soon}, headers=stranger),
        "anonymous": await http.get(QUOTE, params={"starts_at": soon}),
    }

    assert {k: r.status_code for k, r in answers.items()} == {
        "no time": 422,
        "no offset": 422,
        "not a time": 422,
        "someone else's": 404,
        "anonymous": 401,
    }
    assert all(r.headers["Content-Type"] == "application/problem+json" for r in answers.values())
    assert "starts_at" in answers["no offset"].text
    assert await counts(http) == before
