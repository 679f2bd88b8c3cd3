"""Adding an email or phone to a record: officers directly, and told when another
resident holds it; residents only by proving it with a code, in answers that never
tell whether someone else holds it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from townhall.identity.adapters.orm import one_time_codes
from townhall.identity.adapters.repository import ResidentRepository
from townhall.identity.config import IdentitySettings
from townhall.identity.domain.model import Resident
from townhall.identity.testing import PASSWORD, Harness, bearer

Headers = dict[str, str]


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(update={"environment": "development"})


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def _account(identity: Harness, email: str) -> tuple[str, Headers]:
    """A resident who signed up with ``email`` and verified it: their id and token."""
    body = {"email": email, "password": PASSWORD, "given_name": "Ada", "family_name": "Ex"}
    reference = (await identity.http.post("/accounts", json=body)).json()["reference"]
    redeem = {"reference": reference, "code": await identity.code(reference)}
    token = (await identity.http.post("/auth/codes/redeem", json=redeem)).json()["access_token"]
    principal = await identity.services.verifier.verify(token)
    return principal.subject, bearer(token)


async def _ask(identity: Harness, rid: str, headers: Headers, **body: str) -> Any:
    return await identity.http.post(f"/residents/{rid}/contact-points", json=body, headers=headers)


async def _confirm(identity: Harness, rid: str, headers: Headers, reference: str, code: str) -> Any:
    body = {"reference": reference, "code": code}
    url = f"/residents/{rid}/contact-points/verify"
    return await identity.http.post(url, json=body, headers=headers)


def _problem(response: Any) -> tuple[int, dict[str, Any]]:
    return response.status_code, {k: v for k, v in response.json().items() if k != "instance"}


async def _stored(identity: Harness) -> tuple[int, int]:
    """Codes stored and events written: what asking for a code leaves behind."""
    return await identity.count(one_time_codes), len(await identity.events())


async def _officer(identity: Harness) -> dict[str, str]:
    return bearer(await identity.officer_token("cc@example.org", ("contact_centre", "personal")))


async def _record(identity: Harness, resident_id: str, officer: dict[str, str]) -> dict[str, Any]:
    response = await identity.http.get(f"/residents/{resident_id}", headers=officer)
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()
    return record


async def test_an_officer_adds_a_contact_point_directly_unverified(identity: Harness) -> None:
    rid = await identity.register(email="ada@example.org")
    officer = await _officer(identity)
    url = f"/residents/{rid}/contact-points"
    response = await identity.http.post(url, json={"phone": "07700 900123"}, headers=officer)
    assert response.status_code == 204, response.text
    points = (await _record(identity, rid, officer))["contact_points"]
    assert {"kind": "phone", "value": "07700900123", "verified": False} in points


async def test_an_officer_is_told_when_another_resident_holds_the_email(
    identity: Harness,
) -> None:
    ada = await identity.register(email="ada@example.org")
    bea = await identity.register(email="bea@example.org", phone="07700900456")
    officer = await _officer(identity)
    before = [await _record(identity, rid, officer) for rid in (ada, bea)]
    response = await identity.http.post(
        f"/residents/{ada}/contact-points", json={"email": "BEA@example.org"}, headers=officer
    )
    assert response.status_code == 409, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert [await _record(identity, rid, officer) for rid in (ada, bea)] == before


async def test_a_households_landline_goes_on_each_residents_record(identity: Harness) -> None:
    ada = await identity.register(email="ada@example.org", phone="01632 960001")
    bea = await identity.register(email="bea@example.org")
    officer = await _officer(identity)

    response = await identity.http.post(
        f"/residents/{bea}/contact-points", json={"phone": "01632 960001"}, headers=officer
    )

    assert response.status_code == 204, response.text
    for rid in (ada, bea):
        points = (await _record(identity, rid, officer))["contact_points"]
        assert "01632960001" in [p["value"] for p in points if p["kind"] == "phone"]


async def test_adding_someone_elses_email_answers_as_a_fresh_one_and_changes_nothing(
    identity: Harness,
) -> None:
    ada, as_ada = await _account(identity, "ada@example.org")
    bea, _ = await _account(identity, "bea@example.org")
    officer = await _officer(identity)
    fresh = await _ask(identity, ada, as_ada, email="new@example.org")
    records, stored = (
        [await _record(identity, r, officer) for r in (ada, bea)],
        await _stored(identity),
    )

    taken = await _ask(identity, ada, as_ada, email="BEA@example.org")

    assert (taken.status_code, sorted(taken.json())) == (fresh.status_code, sorted(fresh.json()))
    assert (fresh.status_code, taken.json()["expires_in"]) == (202, fresh.json()["expires_in"])
    assert [await _record(identity, r, officer) for r in (ada, bea)] == records
    codes, events = await _stored(identity)
    assert (codes, events) == (stored[0], stored[1] + 1), "no code stored, one notice written"
    notice = (await identity.sent())[0]
    assert (notice["type"], notice["to"], notice["code"]) == ("notice", "bea@example.org", None)
    assert notice["attempted"] == "add_contact_point", "the owner is told, by notifications"
    assert (await identity.events())[-1]["data"]["resident_id"] == bea
    refused = await _confirm(identity, ada, as_ada, taken.json()["reference"], "123456")
    assert refused.status_code == 401


async def test_a_fresh_email_is_stored_only_once_confirmed_then_verified_raising_the_level(
    identity: Harness,
) -> None:
    rid = await identity.register(phone="07700900123")  # level 0: no verified email yet
    issued = await identity.services.tokens.issue(rid, "resident", loa=1)
    as_resident, officer = bearer(issued.access_token), await _officer(identity)

    asked = await _ask(identity, rid, as_resident, email="Ada@Example.org")
    assert asked.status_code == 202, asked.text
    reference = asked.json()["reference"]
    record = await _record(identity, rid, officer)
    assert [p["kind"] for p in record["contact_points"]] == ["phone"], "nothing stored yet"
    assert (await identity.sent())[0]["to"] == "ada@example.org"

    confirmed = await _confirm(
        identity, rid, as_resident, reference, await identity.code(reference)
    )
    assert confirmed.status_code == 204, confirmed.text
    record = await _record(identity, rid, officer)
    assert {"kind": "email", "value": "ada@example.org", "verified": True} in record[
        "contact_points"
    ]
    assert record["loa"] == 1
    kinds = [e["type"].rsplit(".", 2)[-2] for e in await identity.events()]
    assert kinds[-2:] == ["contact_points_changed", "assurance_raised"]


async def test_a_contact_point_already_theirs_is_verified_by_its_code(identity: Harness) -> None:
    ada, as_ada = await _account(identity, "ada@example.org")
    officer = await _officer(identity)
    added = await _ask(identity, ada, officer, phone="07700900123")
    assert added.status_code == 204, "an officer adds it, unverified"
    reference = (await _ask(identity, ada, as_ada, phone="07700 900123")).json()["reference"]
    await _confirm(identity, ada, as_ada, reference, await identity.code(reference))
    points = (await _record(identity, ada, officer))["contact_points"]
    assert [p for p in points if p["kind"] == "phone"] == [
        {"kind": "phone", "value": "07700900123", "verified": True}
    ]


async def test_wrong_codes_are_refused_and_the_code_dies_after_the_attempt_limit(
    identity: Harness,
) -> None:
    ada, as_ada = await _account(identity, "ada@example.org")
    reference = (await _ask(identity, ada, as_ada, email="new@example.org")).json()["reference"]
    code = await identity.code(reference)
    statuses = [
        (await _confirm(identity, ada, as_ada, reference, _wrong(code))).status_code
        for _ in range(5)
    ]
    assert statuses == [401] * 5
    assert (await _confirm(identity, ada, as_ada, reference, code)).status_code == 401
    points = (await _record(identity, ada, await _officer(identity)))["contact_points"]
    assert "new@example.org" not in {p["value"] for p in points}


async def test_another_residents_code_is_refused_and_stays_theirs(identity: Harness) -> None:
    ada, as_ada = await _account(identity, "ada@example.org")
    bea, as_bea = await _account(identity, "bea@example.org")
    reference = (await _ask(identity, bea, as_bea, email="new@example.org")).json()["reference"]
    code = await identity.code(reference)

    assert (await _confirm(identity, ada, as_ada, reference, code)).status_code == 401
    assert (await _confirm(identity, bea, as_ada, reference, code)).status_code == 403

    officer = await _officer(identity)
    assert "new@example.org" not in str(await _record(identity, ada, officer))
    assert (await _confirm(identity, bea, as_bea, reference, code)).status_code == 204


async def test_an_expired_code_is_refused(identity: Harness) -> None:
    ada, as_ada = await _account(identity, "ada@example.org")
    reference = (await _ask(identity, ada, as_ada, email="new@example.org")).json()["reference"]
    code = await identity.code(reference)
    past = datetime.now(UTC) - timedelta(seconds=1)
    async with identity.runtime.sessions() as session:
        await session.execute(update(one_time_codes).values(expires_at=past))
        await session.commit()
    assert (await _confirm(identity, ada, as_ada, reference, code)).status_code == 401
    assert "new@example.org" not in str(await _record(identity, ada, await _officer(identity)))


async def test_a_contact_points_code_signs_nobody_in_and_is_left_untouched(
    identity: Harness,
) -> None:
    ada, as_ada = await _account(identity, "ada@example.org")
    reference = (await _ask(identity, ada, as_ada, email="new@example.org")).json()["reference"]
    code = await identity.code(reference)
    for attempt in (code, _wrong(code)) * 3:
        body = {"reference": reference, "code": attempt}
        assert (await identity.http.post("/auth/codes/redeem", json=body)).status_code == 401
    assert (await _confirm(identity, ada, as_ada, reference, code)).status_code == 204


async def test_a_value_taken_meanwhile_is_refused_like_a_wrong_code(identity: Harness) -> None:
    ada, as_ada = await _account(identity, "ada@example.org")
    bea = await identity.register(given_name="Bea")
    officer = await _officer(identity)
    reference = (await _ask(identity, ada, as_ada, email="new@example.org")).json()["reference"]
    code = await identity.code(reference)
    wrong = _problem(await _confirm(identity, ada, as_ada, reference, _wrong(code)))
    taken = await _ask(identity, bea, officer, email="new@example.org")
    assert taken.status_code == 204

    assert _problem(await _confirm(identity, ada, as_ada, reference, code)) == wrong
    assert "new@example.org" not in str(await _record(identity, ada, officer))


async def test_a_race_for_a_first_email_is_refused_like_a_wrong_code(
    identity: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await identity.register(email="bea@example.org")
    rid = await identity.register(phone="07700900123")
    as_resident = bearer(
        (await identity.services.tokens.issue(rid, "resident", loa=1)).access_token
    )

    async def nobody(self: object, kind: str, value: str) -> Resident | None:
        return None  # as if bea's record took it between the check and the write

    monkeypatch.setattr(ResidentRepository, "find_by_contact", nobody)
    reference = (await _ask(identity, rid, as_resident, email="bea@example.org")).json()[
        "reference"
    ]
    confirmed = await _confirm(
        identity, rid, as_resident, reference, await identity.code(reference)
    )
    assert confirmed.status_code == 401, "the unique index is the last line of defence"
    assert "bea@example.org" not in str(await _record(identity, rid, await _officer(identity)))


async def test_a_tracking_token_can_neither_add_nor_confirm(identity: Harness) -> None:
    body = {"given_name": "Ada", "family_name": "Ex", "phone": "07700900123"}
    reference = (await identity.http.post("/auth/tracking", json=body)).json()["reference"]
    redeem = {"reference": reference, "code": await identity.code(reference)}
    token = (await identity.http.post("/auth/codes/redeem", json=redeem)).json()["access_token"]
    rid, tracking = (await identity.services.verifier.verify(token)).subject, bearer(token)
    stored = await _stored(identity)

    assert (await _ask(identity, rid, tracking, email="new@example.org")).status_code == 403
    assert (await _confirm(identity, rid, tracking, "TH-ABCDEFGH", "123456")).status_code == 403
    assert await _stored(identity) == stored


async def test_asking_is_limited_per_contact_point_whoever_holds_it(identity: Harness) -> None:
    ada, as_ada = await _account(identity, "ada@example.org")
    await identity.register(email="bea@example.org")

    async def asks(email: str) -> list[int]:
        return [(await _ask(identity, ada, as_ada, email=email)).status_code for _ in range(6)]

    assert await asks("bea@example.org") == await asks("new@example.org") == [202] * 5 + [429]
