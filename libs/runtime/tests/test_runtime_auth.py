"""Token verification against a JWKS, and the FastAPI auth dependencies."""

import base64
import json
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends
from joserfc import jwt
from joserfc.errors import SecurityWarning
from joserfc.jwk import ECKey, Key, OctKey, OKPKey

from townhall.runtime.auth import (
    AuthenticationError,
    CurrentPrincipal,
    JWKSVerifier,
    Principal,
    Role,
    require_loa,
)
from townhall.runtime.problems import ServiceUnavailable
from townhall.runtime.testkit.waiting import eventually
from townhall.runtime.web import create_app

ISSUER = "https://identity.townhall.test"
AUDIENCE = "cases"
JWKS_URL = "https://identity.townhall.test/.well-known/jwks.json"
NOW = 1_700_000_000


class FakeClock:
    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeIdentity:
    """Serves a JWKS through httpx.MockTransport and counts the fetches."""

    def __init__(self, *keys: Key) -> None:
        self.published: list[Key] = list(keys)
        self.fetches = 0
        self.failing = False

    def publish(self, key: Key) -> None:
        self.published.append(key)

    def document(self) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in self.published]}

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        if self.failing:
            return httpx.Response(500)
        return httpx.Response(200, json=self.document())


def ed25519_key(kid: str) -> OKPKey:
    return OKPKey.generate_key("Ed25519", parameters={"kid": kid})


def p256_key(kid: str) -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": kid})


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "resident-123",
        "kind": "officer",
        "roles": [{"domain": "waste", "clearance": "personal"}],
        "loa": 2,
        "scope": "cases:read cases:write",
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 600,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(key: Key, alg: str = "EdDSA", header: dict[str, Any] | None = None, **claim: Any) -> str:
    full_header = {"alg": alg, "kid": key.kid, **(header or {})}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        return jwt.encode(full_header, claims(**claim), key, algorithms=[alg])


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
def ed_key() -> OKPKey:
    return ed25519_key("ed-1")


@pytest.fixture
def ec_key() -> ECKey:
    return p256_key("ec-1")


@pytest.fixture
def identity(ed_key: OKPKey, ec_key: ECKey) -> FakeIdentity:
    return FakeIdentity(ed_key, ec_key)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def verifier(identity: FakeIdentity, clock: FakeClock) -> AsyncIterator[JWKSVerifier]:
    transport = httpx.MockTransport(identity.handle)
    async with httpx.AsyncClient(transport=transport) as client:
        yield JWKSVerifier(
            JWKS_URL, issuer=ISSUER, audience=AUDIENCE, http_client=client, clock=clock
        )


async def refused(verifier: JWKSVerifier, token: str) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        await verifier.verify(token)
    assert caught.value.status == 401
    return caught.value


async def test_a_valid_token_gives_its_principal(verifier: JWKSVerifier, ed_key: OKPKey) -> None:
    principal = await verifier.verify(sign(ed_key))

    assert principal == Principal(
        subject="resident-123",
        kind="officer",
        roles=(Role("waste", "personal"),),
        loa=2,
        scopes=frozenset({"cases:read", "cases:write"}),
    )
    assert principal.claims["iss"] == ISSUER
    assert principal.clearances("waste") == ("personal",)
    assert principal.has_scope("cases:write")


async def test_an_es256_token_is_accepted(verifier: JWKSVerifier, ec_key: ECKey) -> None:
    principal = await verifier.verify(sign(ec_key, "ES256", kind="resident", roles=None))

    assert principal.kind == "resident"
    assert principal.roles == ()


async def test_loa_and_scope_default_when_absent(verifier: JWKSVerifier, ed_key: OKPKey) -> None:
    principal = await verifier.verify(sign(ed_key, loa=None, scope=None, kind="service"))

    assert (principal.loa, principal.scopes) == (0, frozenset())


async def test_a_token_signed_by_another_key_is_refused(verifier: JWKSVerifier) -> None:
    impostor = ed25519_key("ed-1")

    error = await refused(verifier, sign(impostor))

    assert error.detail == "signature invalid"


async def test_a_tampered_payload_is_refused(verifier: JWKSVerifier, ed_key: OKPKey) -> None:
    header, _, signature = sign(ed_key).split(".")
    forged = b64(claims(loa=3))

    error = await refused(verifier, f"{header}.{forged}.{signature}")

    assert error.detail == "signature invalid"


async def test_hs256_signed_with_the_public_key_is_refused(
    verifier: JWKSVerifier, ed_key: OKPKey
) -> None:
    public_bytes = json.dumps(ed_key.as_dict(private=False)).encode()
    hmac_key = OctKey.import_key(public_bytes, parameters={"kid": "ed-1"})

    error = await refused(verifier, sign(hmac_key, "HS256"))

    assert error.detail == "algorithm not allowed"


async def test_an_unsigned_token_is_refused(verifier: JWKSVerifier) -> None:
    token = f"{b64({'alg': 'none', 'kid': 'ed-1'})}.{b64(claims())}."

    error = await refused(verifier, token)

    assert error.detail == "algorithm not allowed"


async def test_rs256_token_with_an_ec_key_id_is_refused(
    verifier: JWKSVerifier, ec_key: ECKey
) -> None:
    _, payload, signature = sign(ec_key, "ES256").split(".")
    swapped = b64({"alg": "RS256", "kid": "ec-1"})

    error = await refused(verifier, f"{swapped}.{payload}.{signature}")

    assert error.detail == "signature invalid"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "payments"}, "wrong audience"),
        ({"iss": "https://evil.test"}, "wrong issuer"),
        ({"exp": NOW - 31}, "token expired"),
        ({"nbf": NOW + 120}, "token not yet valid"),
        ({"iat": NOW + 120}, "token issued in the future"),
        ({"exp": None}, "missing claim: exp"),
        ({"kind": None}, "missing claim: kind"),
        ({"kind": "admin"}, "invalid claim: kind"),
        ({"roles": [{"domain": "waste"}]}, "invalid claim: roles"),
        ({"loa": "high"}, "invalid claim: loa"),
    ],
)
async def test_bad_claims_are_refused_with_the_reason(
    verifier: JWKSVerifier, ed_key: OKPKey, overrides: dict[str, Any], reason: str
) -> None:
    error = await refused(verifier, sign(ed_key, **overrides))

    assert error.detail == reason


async def test_clock_skew_within_the_leeway_is_tolerated(
    verifier: JWKSVerifier, ed_key: OKPKey
) -> None:
    principal = await verifier.verify(sign(ed_key, exp=NOW - 20, nbf=NOW + 20))

    assert principal.subject == "resident-123"


async def test_a_malformed_token_is_refused(verifier: JWKSVerifier) -> None:
    error = await refused(verifier, "not-a-jwt")

    assert error.detail == "malformed token"


async def test_an_unknown_key_is_refused(verifier: JWKSVerifier) -> None:
    error = await refused(verifier, sign(ed25519_key("never-published")))

    assert error.detail == "unknown key"


async def test_a_rotated_key_is_accepted_after_the_jwks_gains_it(
    verifier: JWKSVerifier, identity: FakeIdentity, ed_key: OKPKey, clock: FakeClock
) -> None:
    await verifier.verify(sign(ed_key))
    rotated = ed25519_key("ed-2")
    identity.publish(rotated)
    clock.advance(11)

    principal = await verifier.verify(sign(rotated))

    assert principal.subject == "resident-123"
    assert identity.fetches == 2


async def test_refetching_for_unknown_keys_is_rate_limited(
    verifier: JWKSVerifier, identity: FakeIdentity, ed_key: OKPKey, clock: FakeClock
) -> None:
    await verifier.verify(sign(ed_key))
    clock.advance(11)

    for n in range(20):
        await refused(verifier, sign(ed25519_key(f"bogus-{n}")))
    assert identity.fetches == 2

    clock.advance(11)
    await refused(verifier, sign(ed25519_key("bogus-late")))
    assert identity.fetches == 3


async def test_the_key_set_is_cached_then_refreshed(
    verifier: JWKSVerifier, identity: FakeIdentity, ed_key: OKPKey, clock: FakeClock
) -> None:
    for _ in range(5):
        await verifier.verify(sign(ed_key))
    assert identity.fetches == 1

    clock.advance(301)
    await verifier.verify(sign(ed_key, exp=int(clock.now) + 600))
    assert identity.fetches == 2


async def test_an_unreachable_jwks_is_a_503(verifier: JWKSVerifier, identity: FakeIdentity) -> None:
    identity.failing = True

    with pytest.raises(ServiceUnavailable):
        await verifier.verify(sign(ed25519_key("ed-1")))


async def test_a_started_verifier_is_ready_only_once_identity_serves_its_key_set(
    verifier: JWKSVerifier, identity: FakeIdentity, ed_key: OKPKey
) -> None:
    async def fetches() -> int:
        return identity.fetches

    async def ready() -> bool:
        return verifier.ready

    identity.failing = True
    await verifier.start()
    try:
        await eventually(fetches, lambda n: n >= 2)  # it keeps trying on its own
        assert not verifier.ready
        identity.failing = False
        await eventually(ready, bool)
        principal = await verifier.verify(sign(ed_key))
    finally:
        await verifier.stop()

    assert principal.subject == "resident-123"


async def test_a_stale_key_set_is_used_while_identity_is_down(
    verifier: JWKSVerifier, identity: FakeIdentity, ed_key: OKPKey, clock: FakeClock
) -> None:
    await verifier.verify(sign(ed_key))
    identity.failing = True
    clock.advance(301)

    principal = await verifier.verify(sign(ed_key, exp=int(clock.now) + 600))

    assert principal.subject == "resident-123"


async def test_a_jwks_file_url_is_read(
    tmp_path: Path, identity: FakeIdentity, ed_key: OKPKey, clock: FakeClock
) -> None:
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(identity.document()))
    verifier = JWKSVerifier(jwks_file.as_uri(), issuer=ISSUER, audience=AUDIENCE, clock=clock)

    principal = await verifier.verify(sign(ed_key))

    assert principal.subject == "resident-123"


@pytest.mark.parametrize("algorithm", ["HS256", "none"])
def test_symmetric_and_none_algorithms_cannot_be_configured(algorithm: str) -> None:
    with pytest.raises(ValueError, match="never allowed"):
        JWKSVerifier(JWKS_URL, issuer=ISSUER, audience=AUDIENCE, algorithms=[algorithm])


class FakeVerifier:
    """Trusts tokens of the form ``loa-<n>``; anything else is expired."""

    async def verify(self, token: str) -> Principal:
        if not token.startswith("loa-"):
            raise AuthenticationError("token expired")
        return Principal(subject="r-1", kind="resident", loa=int(token.removeprefix("loa-")))


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(service="auth-test")
    app.state.verifier = FakeVerifier()

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, str]:
        return {"subject": principal.subject}

    @app.get("/history")
    async def history(principal: Annotated[Principal, Depends(require_loa(2))]) -> dict[str, int]:
        return {"loa": principal.loa}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_a_request_without_a_token_gets_a_bearer_challenge(api: httpx.AsyncClient) -> None:
    response = await api.get("/me")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "missing bearer token"


async def test_a_bad_token_gets_401_with_the_reason(api: httpx.AsyncClient) -> None:
    response = await api.get("/me", headers={"Authorization": "Bearer stale"})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["detail"] == "token expired"


async def test_a_good_token_reaches_the_route(api: httpx.AsyncClient) -> None:
    response = await api.get("/me", headers={"Authorization": "Bearer loa-1"})

    assert response.json() == {"subject": "r-1"}


async def test_too_low_a_level_of_assurance_is_forbidden(api: httpx.AsyncClient) -> None:
    response = await api.get("/history", headers={"Authorization": "Bearer loa-1"})

    assert response.status_code == 403
    assert response.json()["detail"] == "insufficient level of assurance"
    assert response.json()["required_loa"] == 2


async def test_enough_assurance_is_allowed(api: httpx.AsyncClient) -> None:
    response = await api.get("/history", headers={"Authorization": "Bearer loa-2"})

    assert response.json() == {"loa": 2}
