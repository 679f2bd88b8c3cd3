"""Over HTTP, on a real database: what is written about a resident leaves cases sealed,
and a write that cannot be sealed is refused whole (503), never published in clear."""

from __future__ import annotations

import uuid

import httpx

from townhall.cases.testing import MISSED_BIN, bearer, counts, envelopes, rows_holding
from townhall.runtime.crypto import open_sealed
from townhall.runtime.data_keys import resident_context
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.tokens import TestIssuer

WORDS = "Spoke to Bo Example at 3 Mill Lane about the bins"


async def _residents_case(client: httpx.AsyncClient, officer: dict[str, str]) -> tuple[str, str]:
    resident_id = str(uuid.uuid4())
    body = {**MISSED_BIN, "reporter": {}, "resident_id": resident_id, "channel": "phone"}
    created = await client.post("/cases", json=body, headers=officer)
    assert created.status_code == 201, created.text
    return created.json()["reference"], resident_id


async def test_an_update_on_a_residents_case_is_kept_in_the_outbox_only_sealed(
    client: httpx.AsyncClient, issuer: TestIssuer, data_keys: FakeDataKeys
) -> None:
    officer = bearer(issuer.officer(("waste", "personal")))
    reference, resident_id = await _residents_case(client, officer)

    posted = await client.post(f"/cases/{reference}/updates", json={"text": WORDS}, headers=officer)

    assert posted.status_code == 201, posted.text
    assert await rows_holding(client, "Mill Lane") == ["case_notes: Mill Lane"], (
        "the case keeps the words (erasure blanks them); the outbox row has them sealed"
    )
    update = (await envelopes(client))[-1]
    key = data_keys.key_of(resident_id)
    assert key is not None and update.data["text"] == ""
    assert open_sealed(update.data["sealed"], key, context=resident_context(resident_id)) == {
        "text": WORDS
    }


async def test_without_identity_a_write_about_a_resident_is_refused_and_nothing_is_kept(
    client: httpx.AsyncClient, issuer: TestIssuer, data_keys: FakeDataKeys
) -> None:
    officer = bearer(issuer.officer(("waste", "personal")))
    reference, _ = await _residents_case(client, officer)
    before = await counts(client)
    data_keys.down = True

    refused = await client.post(
        f"/cases/{reference}/updates", json={"text": WORDS}, headers=officer
    )

    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "5"
    assert refused.json()["type"].endswith("/data-key-unavailable")
    assert await counts(client) == before
    assert await rows_holding(client, "Mill Lane") == []
