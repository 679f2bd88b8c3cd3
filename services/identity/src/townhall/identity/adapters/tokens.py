"""Issuing access tokens (JWT, EdDSA) and verifying identity's own tokens in-process."""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import SecurityWarning

from townhall.identity.adapters.signing_keys import ALGORITHM, SigningKeys
from townhall.runtime.auth import JWKSVerifier
from townhall.runtime.clock import Clock, utc_now


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    token_type: str = "Bearer"


class TokenIssuer:
    def __init__(
        self,
        keys: SigningKeys,
        *,
        issuer: str,
        audience: str,
        ttl_s: int,
        clock: Clock = utc_now,
    ):
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.ttl_s = ttl_s
        self.clock = clock

    async def issue(
        self,
        subject: str,
        kind: str,
        *,
        roles: Iterable[tuple[str, str]] = (),
        loa: int = 0,
        scopes: Iterable[str] = (),
        extra: Mapping[str, Any] | None = None,
        not_after: int | None = None,
    ) -> IssuedToken:
        """A signed access token; ``not_after`` (epoch seconds): it expires then at the
        latest (a token given for another is never longer-lived than that one)."""
        key = await self.keys.current()
        now = int(self.clock().timestamp())
        lifetime = self.ttl_s if not_after is None else max(0, min(self.ttl_s, not_after - now))
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "kind": kind,
            "roles": [{"domain": d, "clearance": c} for d, c in roles],
            "loa": loa,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            **(extra or {}),
        }
        if scopes:
            claims["scope"] = " ".join(sorted(scopes))
        header = {"alg": ALGORITHM, "kid": key.kid, "typ": "JWT"}
        with warnings.catch_warnings():  # joserfc prefers the newer name "Ed25519"
            warnings.simplefilter("ignore", SecurityWarning)
            token = jwt.encode(header, claims, key, algorithms=[ALGORITHM])
        return IssuedToken(token, lifetime)


class OwnKeysVerifier(JWKSVerifier):
    """The runtime's verifier, reading identity's published keys from its own store."""

    def __init__(self, keys: SigningKeys, *, issuer: str, audience: str):
        super().__init__(
            "identity-local",
            issuer=issuer,
            audience=audience,
            algorithms=(ALGORITHM,),
            cache_seconds=5,
            min_refetch_seconds=0,
        )
        self.keys = keys

    async def _fetch(self) -> bytes:
        return json.dumps(await self.keys.jwks()).encode()
