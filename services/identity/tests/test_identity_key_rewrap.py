"""Changing the master key: every wrapped key moves to the new one, resumably, and the
service reads rows under either key meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from townhall.identity.adapters.master_keys import key_id
from townhall.identity.adapters.orm import resident_data_keys, signing_keys
from townhall.identity.adapters.rewrap import Rewrap, UnreadableKeysError
from townhall.identity.cli import main
from townhall.identity.config import IdentitySettings
from townhall.identity.entrypoints.api.app import create
from townhall.identity.testing import ADMIN_EMAIL, Harness, bearer
from townhall.runtime.crypto import encode_key, generate_key

OLD, NEW = generate_key(), generate_key()


class StopRewrapError(Exception):
    pass


def _keys(settings: IdentitySettings, current: bytes, *previous: bytes) -> IdentitySettings:
    text = ",".join(encode_key(key) for key in previous)
    return settings.model_copy(
        update={
            "identity_key_encryption_key": SecretStr(encode_key(current)),
            "identity_key_encryption_keys_previous": SecretStr(text) if text else None,
            "environment": "development",
        }
    )


@contextlib.asynccontextmanager
async def _running(settings: IdentitySettings) -> AsyncIterator[Harness]:
    app = create(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            yield Harness(app, http)


async def _data_keys(identity: Harness, residents: list[str]) -> dict[str, str]:
    service = bearer(await identity.service_token("resident-view", "pii:read"))
    keys = {}
    for rid in residents:
        response = await identity.http.get(f"/residents/{rid}/data-key", headers=service)
        assert response.status_code == 200, response.text
        keys[rid] = response.json()["key"]
    return keys


async def _wrapped_by(identity: Harness) -> Counter[str | None]:
    async with identity.runtime.sessions() as session:
        rows = [
            *(await session.execute(select(signing_keys.c.master_key_id))).scalars(),
            *(await session.execute(select(resident_data_keys.c.master_key_id))).scalars(),
        ]
    return Counter(rows)


async def _populate(
    settings: IdentitySettings, residents: int = 3
) -> tuple[list[str], dict[str, str]]:
    """Residents with data keys, an administrator, two signing keys: all under OLD."""
    async with _running(_keys(settings, OLD)) as identity:
        ids = [await identity.register(email=f"r{n}@example.org") for n in range(residents)]
        admin = bearer(await identity.admin_token())
        assert (await identity.http.post("/keys/rotate", headers=admin)).status_code == 201
        return ids, await _data_keys(identity, ids)


def _environment(monkeypatch: pytest.MonkeyPatch, settings: IdentitySettings) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    for name in ("identity_key_encryption_key", "identity_key_encryption_keys_previous"):
        value = getattr(settings, name)
        if value is None:
            monkeypatch.delenv(name.upper(), raising=False)
        else:
            monkeypatch.setenv(name.upper(), value.get_secret_value())


async def test_after_a_rewrap_every_key_opens_with_only_the_new_master_key(
    identity_settings: IdentitySettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    residents, before = await _populate(identity_settings)
    switched = _keys(identity_settings, NEW, OLD)
    async with _running(switched) as identity:
        assert await _data_keys(identity, residents) == before, "old rows read meanwhile"
        _environment(monkeypatch, switched)
        await asyncio.to_thread(main, ["rewrap-keys", "--batch-size", "2"])
        assert "every wrapped key is under master key" in capsys.readouterr().out
        assert await _wrapped_by(identity) == {key_id(NEW): len(residents) + 2}

    async with _running(_keys(identity_settings, NEW)) as identity:
        assert await _data_keys(identity, residents) == before
        signed_in = await identity.login(ADMIN_EMAIL)
        assert signed_in.status_code == 200, "the signing key opens with the new key alone"
        token = signed_in.json()["access_token"]
        assert (await identity.services.verifier.verify(token)).kind == "officer"
        assert (await identity.http.post("/keys/rotate", headers=bearer(token))).status_code == 201
        assert set(await _wrapped_by(identity)) == {key_id(NEW)}, "new keys wrapped under it"


async def test_an_interrupted_rewrap_resumes_where_it_stopped(
    identity_settings: IdentitySettings,
) -> None:
    residents, before = await _populate(identity_settings, residents=5)
    async with _running(_keys(identity_settings, NEW, OLD)) as identity:
        async with identity.runtime.sessions() as session:  # rows from before ids were kept
            await session.execute(update(resident_data_keys).values(master_key_id=None))
            await session.commit()
        rewrap = Rewrap(identity.runtime.sessions, identity.services.master_keys, NEW, batch_size=2)
        total = await rewrap.pending()

        def stop(done: int, of: int) -> None:
            raise StopRewrapError

        with pytest.raises(StopRewrapError):
            await rewrap.run(stop)

        halfway = await _wrapped_by(identity)
        assert halfway[key_id(NEW)] == 2 and sum(halfway.values()) == total == 7
        assert await _data_keys(identity, residents) == before, "both keys read meanwhile"
        assert await rewrap.run() == total - 2
        assert await rewrap.run() == 0, "a second run finds nothing to do"
    async with _running(_keys(identity_settings, NEW)) as identity:
        assert await _data_keys(identity, residents) == before


async def test_a_rewrap_the_old_key_cannot_open_is_refused_and_changes_nothing(
    identity_settings: IdentitySettings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    residents, _ = await _populate(identity_settings)
    wrong = _keys(identity_settings, generate_key())
    async with _running(_keys(identity_settings, OLD)) as identity:
        async with identity.runtime.sessions() as session:
            stored = (await session.execute(select(resident_data_keys))).all()
        _environment(monkeypatch, wrong)
        monkeypatch.setenv("TOWNHALL_NEW_MASTER_KEY", encode_key(NEW))
        with pytest.raises(SystemExit) as exited:
            await asyncio.to_thread(
                main, ["rewrap-keys", "--new-key-env", "TOWNHALL_NEW_MASTER_KEY"]
            )
        assert exited.value.code == 1
        error = capsys.readouterr().err
        assert "nothing was changed" in error
        assert all(f"resident_data_keys {rid}" in error for rid in residents)
        assert f"master key {key_id(OLD)}" in error
        async with identity.runtime.sessions() as session:
            assert (await session.execute(select(resident_data_keys))).all() == stored
        assert await _wrapped_by(identity) == {key_id(OLD): len(residents) + 2}
        with pytest.raises(UnreadableKeysError):
            await Rewrap(identity.runtime.sessions, wrong.master_keys(), NEW).run()


async def test_the_service_refuses_to_start_without_the_key_its_rows_are_under(
    identity_settings: IdentitySettings,
) -> None:
    await _populate(identity_settings, residents=1)
    with pytest.raises(RuntimeError, match=key_id(OLD)):
        async with _running(_keys(identity_settings, NEW)):
            pass


async def test_a_code_sent_before_the_master_key_changed_still_works(
    identity_settings: IdentitySettings,
) -> None:
    async with _running(_keys(identity_settings, OLD)) as identity:
        body = {"given_name": "Ada", "family_name": "Example", "email": "ada@example.org"}
        reference = (await identity.http.post("/auth/tracking", json=body)).json()["reference"]
        code = await identity.code(reference)
    async with _running(_keys(identity_settings, NEW, OLD)) as identity:
        redeem = {"reference": reference, "code": code}
        assert (await identity.http.post("/auth/codes/redeem", json=redeem)).status_code == 200


def test_previous_master_keys_are_a_comma_separated_list(tmp_path: Path) -> None:
    settings = IdentitySettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}",
        identity_key_encryption_key=encode_key(NEW),
        identity_key_encryption_keys_previous=f" {encode_key(OLD)} , {encode_key(NEW)},",
    )
    keys = settings.master_keys()
    assert (keys.current, keys.previous) == (NEW, (OLD, NEW))
    assert keys.all() == (NEW, OLD)
    assert keys.ids == {key_id(NEW), key_id(OLD)}
