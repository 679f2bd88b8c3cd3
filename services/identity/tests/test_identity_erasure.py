"""Data keys are served to authorised services only; erasure crypto-shreds the events."""

from __future__ import annotations

import pytest

from townhall.identity.adapters.orm import resident_contact_points, resident_data_keys
from townhall.identity.testing import Harness, bearer
from townhall.runtime.crypto import DecryptionError, decode_key, open_sealed


async def test_the_data_key_is_served_only_to_services_with_pii_read(identity: Harness) -> None:
    rid = await identity.register(email="ada@example.org")
    url = f"/residents/{rid}/data-key"
    officer = await identity.officer_token("boss@example.org", ("admin", "special"))
    no_scope = await identity.service_token("cases")
    resident = (await identity.services.tokens.issue(rid, "resident", loa=3)).access_token
    assert (await identity.http.get(url)).status_code == 401
    for token in (officer, no_scope, resident):
        assert (await identity.http.get(url, headers=bearer(token))).status_code == 403
    served = await identity.http.get(
        url, headers=bearer(await identity.service_token("x", "pii:read"))
    )
    assert served.status_code == 200
    assert served.headers["Cache-Control"] == "no-store"


async def test_an_event_sealed_before_erasure_cannot_be_opened_after_it(identity: Harness) -> None:
    rid = await identity.register(email="ada@example.org")
    service = bearer(await identity.service_token("resident-view", "pii:read"))
    url = f"/residents/{rid}/data-key"
    blob = (await identity.events())[0]["data"]["personal_data"]
    served = (await identity.http.get(url, headers=service)).json()
    assert open_sealed(blob, decode_key(served["key"]), context=served["context"])["names"]

    admin = bearer(await identity.admin_token())
    assert (await identity.http.delete(f"/residents/{rid}", headers=admin)).status_code == 204

    assert (await identity.http.get(url, headers=service)).status_code == 410
    assert await identity.count(resident_data_keys) == 0, "no copy of the key is left"
    assert await identity.count(resident_contact_points) == 0
    assert (await identity.http.get(f"/residents/{rid}", headers=admin)).status_code == 410
    erased = (await identity.events())[-1]
    assert erased["type"] == "townhall.identity.resident.erased.v1"
    assert erased["residentid"] == rid
    with pytest.raises(DecryptionError):  # any other key, e.g. a newly generated one, fails
        open_sealed(blob, decode_key(served["key"])[::-1], context=served["context"])


async def test_erasure_needs_an_administrator_and_happens_once(identity: Harness) -> None:
    rid = await identity.register()
    officer = bearer(await identity.officer_token("cc@example.org", ("contact_centre", "special")))
    assert (await identity.http.delete(f"/residents/{rid}", headers=officer)).status_code == 403
    admin = bearer(await identity.admin_token())
    assert (await identity.http.delete(f"/residents/{rid}", headers=admin)).status_code == 204
    again = await identity.http.delete(f"/residents/{rid}", headers=admin)
    assert again.status_code == 410
    unknown = await identity.http.delete(
        "/residents/00000000-0000-0000-0000-000000000000", headers=admin
    )
    assert unknown.status_code == 404
    name = {"given_name": "Back", "family_name": "Again"}
    changed = await identity.http.put(f"/residents/{rid}/name", json=name, headers=admin)
    assert changed.status_code == 410


async def test_erasing_a_survivor_also_shreds_the_records_merged_into_it(
    identity: Harness,
) -> None:
    survivor = await identity.register(email="ada@example.org")
    duplicate = await identity.register(email="ada.e@example.org")
    admin = bearer(await identity.admin_token())
    body = {"merged_id": duplicate}
    merge = await identity.http.post(f"/residents/{survivor}/merge", json=body, headers=admin)
    assert merge.status_code == 204
    assert (await identity.http.delete(f"/residents/{duplicate}", headers=admin)).status_code == 204
    assert await identity.count(resident_data_keys) == 0
    assert await identity.count(resident_contact_points) == 0
