"""Access tokens: signed by identity, verified by another service through the runtime."""

from __future__ import annotations

import base64
import json
import warnings
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jws, jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import OctKey, OKPKey
from sqlalchemy import select

from townhall.identity.adapters.orm import signing_keys
from townhall.identity.adapters.signing_keys import SigningKeys
from townhall.identity.adapters.tokens import TokenIssuer
from townhall.identity.domain.exceptions import InvalidChangeError
from townhall.identity.service_layer.client_handlers import RegisterServiceClient
from townhall.identity.testing import Harness, bearer
from townhall.runtime.auth import AuthenticationError, JWKSVerifier, Role
from townhall.runtime.clock import ManualClock
from townhall.runtime.outbox import EventContext

ISSUER, AUDIENCE = "townhall-identity", "townhall"


def _verifier(identity: Harness, **options: object) -> JWKSVerifier:
    """What another service builds: the runtime verifier, fetching identity's JWKS."""
    return JWKSVerifier(
        "http://identity/.well-known/jwks.json",
        issuer=ISSUER,
        audience=AUDIENCE,
        http_client=identity.http,
        min_refetch_seconds=0,
        **options,  # type: ignore[arg-type]
    )


def _sign(header: dict[str, object], claims: dict[str, object], key: object) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        return jwt.encode(header, claims, key, algorithms=[str(header["alg"])])  # type: ignore[arg-type]


async def test_an_officer_token_verifies_with_the_runtime_verifier_as_another_service_would(
    identity: Harness,
) -> None:
    token = await identity.officer_token("pest@example.org", ("pest_control", "personal"))
    principal = await _verifier(identity).verify(token)
    assert principal.kind == "officer"
    assert principal.roles == (Role("pest_control", "personal"),)
    assert principal.loa == 2
    header = jws.extract_compact(token.encode()).headers()
    assert header["alg"] == "EdDSA"
    jwks = (await identity.http.get("/.well-known/jwks.json")).json()
    assert header["kid"] in [key["kid"] for key in jwks["keys"]]
    assert all("d" not in key for key in jwks["keys"]), "no private half is published"
    claims = principal.claims
    assert claims["exp"] - claims["iat"] == 900
    assert {"jti", "nbf", "iss", "aud"} <= set(claims)


async def test_forged_tokens_are_refused(identity: Harness) -> None:
    good = await identity.officer_token("officer@example.org", ("waste", "personal"))
    kid = jws.extract_compact(good.encode()).headers()["kid"]
    claims = dict((await _verifier(identity).verify(good)).claims)
    intruder = OKPKey.generate_key("Ed25519")
    cases = {
        "signature invalid": _sign({"alg": "EdDSA", "kid": kid}, claims, intruder),
        "algorithm not allowed": _sign(
            {"alg": "HS256", "kid": kid}, claims, OctKey.import_key(b"x" * 32)
        ),
        "wrong audience": _sign({"alg": "EdDSA", "kid": kid}, {**claims, "aud": "other"}, intruder),
    }
    verifier = _verifier(identity)
    for reason, token in cases.items():
        with pytest.raises(AuthenticationError):
            await verifier.verify(token)
        response = await identity.http.post("/keys/rotate", headers=bearer(token))
        assert response.status_code == 401, (reason, response.text)
    tampered = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    with pytest.raises(AuthenticationError, match="signature invalid"):
        await verifier.verify(tampered)


async def test_an_expired_token_is_refused(identity: Harness) -> None:
    keys: SigningKeys = identity.services.signing_keys
    an_hour_ago = ManualClock(datetime.now(UTC) - timedelta(hours=1))
    past = TokenIssuer(keys, issuer=ISSUER, audience=AUDIENCE, ttl_s=900, clock=an_hour_ago)
    token = (await past.issue("someone", "officer", roles=[("admin", "special")])).access_token
    with pytest.raises(AuthenticationError, match="expired"):
        await _verifier(identity).verify(token)
    assert (await identity.http.post("/keys/rotate", headers=bearer(token))).status_code == 401


async def test_rotation_publishes_a_key_before_it_signs_and_keeps_the_old_one_until_expiry(
    identity: Harness,
) -> None:
    now = datetime.now(UTC)
    clock = [now]
    keys = SigningKeys(
        identity.runtime.sessions,
        identity.services.master_keys,
        token_ttl_s=900,
        grace_s=600,
        clock=lambda: clock[0],
    )
    first = (await keys.current()).kid
    second = (await keys.rotate()).kid
    assert {k["kid"] for k in (await keys.jwks())["keys"]} == {first, second}
    assert (await keys.current()).kid == first, "the new key does not sign during the grace"
    clock[0] = now + timedelta(seconds=601)
    assert (await keys.current()).kid == second
    assert {k["kid"] for k in (await keys.jwks())["keys"]} == {first, second}
    clock[0] = now + timedelta(seconds=601 + 900 + 61)
    assert [k["kid"] for k in (await keys.jwks())["keys"]] == [second]


async def test_a_token_signed_before_rotation_still_verifies_after_it(identity: Harness) -> None:
    before = await identity.officer_token("admin@example.org", ("admin", "special"))
    verifier = _verifier(identity)
    await verifier.verify(before)
    response = await identity.http.post("/keys/rotate", headers=bearer(before))
    assert response.status_code == 201, response.text
    assert (await verifier.verify(before)).kind == "officer"


async def test_private_signing_keys_are_encrypted_at_rest(identity: Harness) -> None:
    async with identity.runtime.sessions() as session:
        wrapped = (await session.execute(select(signing_keys.c.private_key_wrapped))).scalars()
        blobs = list(wrapped)
    assert blobs
    for blob in blobs:
        with pytest.raises(ValueError):
            json.loads(blob)


async def test_rotation_needs_an_administrator(identity: Harness) -> None:
    assert (await identity.http.post("/keys/rotate")).status_code == 401
    token = await identity.officer_token("waste@example.org", ("waste", "special"))
    response = await identity.http.post("/keys/rotate", headers=bearer(token))
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"


async def test_a_service_gets_a_scoped_token_with_its_client_credentials(
    identity: Harness,
) -> None:
    admin = bearer(await identity.admin_token())
    body = {"client_id": "resident-view", "scopes": ["pii:read"]}
    created = await identity.http.post("/service-clients", json=body, headers=admin)
    assert created.status_code == 201, created.text
    secret = created.json()["client_secret"]
    again = await identity.http.post("/service-clients", json=body, headers=admin)
    assert again.status_code == 409
    grant = {"grant_type": "client_credentials", "client_id": "resident-view"}
    response = await identity.http.post(
        "/auth/service-token", json={**grant, "client_secret": secret}
    )
    assert response.status_code == 200, response.text
    principal = await _verifier(identity).verify(response.json()["access_token"])
    assert (principal.kind, principal.subject) == ("service", "service:resident-view")
    assert principal.has_scope("pii:read")
    wrong = await identity.http.post("/auth/service-token", json={**grant, "client_secret": "x"})
    assert wrong.status_code == 401


async def test_service_client_secrets_cannot_be_guessed(identity: Harness) -> None:
    admin = bearer(await identity.admin_token())
    body = {"client_id": "cases", "scopes": ["residents:match"]}
    created = await identity.http.post("/service-clients", json=body, headers=admin)
    secret = created.json()["client_secret"]
    assert len(base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))) * 8 >= 128
    short = RegisterServiceClient("resident-view", ("pii:read",), secret="guessable")
    with pytest.raises(InvalidChangeError, match="at least"):
        await identity.services.bus.handle(short, EventContext("test"))
