"""Verifying identity's JWTs against its published JWKS, and the FastAPI dependencies.

Identity signs tokens; every other service verifies them here. Convention: each
service builds one :class:`JWKSVerifier` at start-up and keeps it on
``app.state.verifier`` (``app.state.verifier = JWKSVerifier(settings.jwks_url,
issuer=..., audience="cases")``); the dependencies below read it from there. Routes
then declare what they need::

    async def show_case(principal: CurrentPrincipal) -> CaseOut: ...
    async def history(principal: Annotated[Principal, Depends(require_loa(2))]) -> ...

A unit test may put any object with ``async verify(token) -> Principal`` on
``app.state.verifier`` instead.
"""

import asyncio
import contextlib
import json
import time
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, NamedTuple, Protocol, cast, get_args

import httpx
import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyCurveError,
    InvalidKeyTypeError,
    JoseError,
    MissingClaimError,
    SecurityWarning,
)
from joserfc.jwk import Key, KeySet

from townhall.runtime.problems import Forbidden, ServiceUnavailable, Unauthorized

__all__ = [
    "DEFAULT_ALGORITHMS",
    "AuthenticationError",
    "CurrentPrincipal",
    "JWKSVerifier",
    "Kind",
    "Principal",
    "Role",
    "TokenVerifier",
    "authenticated",
    "bearer_principal",
    "get_verifier",
    "principal_from_claims",
    "require_loa",
    "verifier_of",
]

Kind = Literal["resident", "officer", "service"]
DEFAULT_ALGORITHMS: tuple[str, ...] = ("EdDSA", "Ed25519", "ES256", "RS256")
_KINDS: tuple[str, ...] = get_args(Kind)
_CLAIM_REASONS = {
    "aud": "wrong audience",
    "iss": "wrong issuer",
    "nbf": "token not yet valid",
    "iat": "token issued in the future",
}
_log = structlog.get_logger(__name__)


class Role(NamedTuple):
    """An officer's role: a service domain and the clearance held in it."""

    domain: str
    clearance: str


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as asserted by a verified token."""

    subject: str
    kind: Kind
    roles: tuple[Role, ...] = ()
    loa: int = 0
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType({}), repr=False, compare=False, hash=False
    )

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def clearances(self, domain: str) -> tuple[str, ...]:
        """The clearances held in ``domain`` (empty when none)."""
        return tuple(role.clearance for role in self.roles if role.domain == domain)

    def clearances_by_domain(self) -> dict[str, tuple[str, ...]]:
        """Every domain the caller holds a role in, with its clearances there, in order."""
        held: dict[str, tuple[str, ...]] = {}
        for role in self.roles:
            held[role.domain] = (*held.get(role.domain, ()), role.clearance)
        return held


class AuthenticationError(Unauthorized):
    """401: the request carries no acceptable token; ``reason`` says why."""

    def __init__(self, reason: str, *, invalid_token: bool = True) -> None:
        challenge = 'Bearer error="invalid_token"' if invalid_token else "Bearer"
        super().__init__(reason, headers={"WWW-Authenticate": challenge})
        self.reason = reason


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal: ...


def _invalid(claim: str) -> AuthenticationError:
    return AuthenticationError(f"invalid claim: {claim}")


def _parse_roles(value: object) -> tuple[Role, ...]:
    if not isinstance(value, list):
        raise _invalid("roles")
    roles = []
    for item in value:
        if not isinstance(item, dict):
            raise _invalid("roles")
        domain, clearance = item.get("domain"), item.get("clearance")
        if not isinstance(domain, str) or not isinstance(clearance, str):
            raise _invalid("roles")
        roles.append(Role(domain, clearance))
    return tuple(roles)


def _parse_loa(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _invalid("loa")
    return value


def _parse_scopes(value: object) -> frozenset[str]:
    if not isinstance(value, str):
        raise _invalid("scope")
    return frozenset(value.split())


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Build the principal from already verified claims."""
    kind = claims.get("kind")
    if kind is None:
        raise AuthenticationError("missing claim: kind")
    if kind not in _KINDS:
        raise _invalid("kind")
    return Principal(
        subject=str(claims["sub"]),
        kind=cast(Kind, kind),
        roles=_parse_roles(claims.get("roles", [])),
        loa=_parse_loa(claims.get("loa", 0)),
        scopes=_parse_scopes(claims.get("scope", "")),
        claims=MappingProxyType(dict(claims)),
    )


def _allowed_algorithms(algorithms: Collection[str]) -> frozenset[str]:
    forbidden = {alg for alg in algorithms if alg.lower() == "none" or alg.upper().startswith("HS")}
    if forbidden:
        raise ValueError(f"algorithms never allowed for tokens: {sorted(forbidden)}")
    return frozenset(algorithms)


def _read_file_url(url: str) -> bytes:
    path = urllib.request.url2pathname(urllib.parse.urlparse(url).path)
    return Path(path).read_bytes()


def _header_of(token: str) -> dict[str, Any]:
    try:
        return dict(jws.extract_compact(token.encode("ascii")).headers())
    except (JoseError, ValueError, UnicodeError) as exc:
        raise AuthenticationError("malformed token") from exc


class JWKSVerifier:
    """Verify bearer JWTs against identity's JWKS (``https://…`` or ``file://…``).

    The key set is cached for ``cache_seconds``. A token naming an unknown ``kid``
    triggers one refetch (key rotation), at most every ``min_refetch_seconds``, so a
    flood of made-up kids cannot hammer identity. ``none`` and HMAC algorithms are
    never accepted.

    It is also a start-up component of its service: :meth:`start` loads the key set in
    the background, retrying until identity answers, and the service is not
    :attr:`ready` (its ``/readyz`` says why) until a token could be verified.
    """

    name = "identity key set"

    def __init__(
        self,
        jwks_url: str,
        *,
        issuer: str,
        audience: str,
        algorithms: Collection[str] = DEFAULT_ALGORITHMS,
        cache_seconds: float = 300,
        leeway_seconds: int = 30,
        min_refetch_seconds: float = 10,
        timeout_seconds: float = 5,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
        retry_seconds: tuple[float, float] = (0.05, 2.0),
    ) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self._algorithms = _allowed_algorithms(algorithms)
        self._cache_seconds = cache_seconds
        self._min_refetch_seconds = min_refetch_seconds
        self._timeout = timeout_seconds
        self._client = http_client
        self._clock = clock
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._lock = asyncio.Lock()
        self._retry_seconds = retry_seconds
        self._loading: asyncio.Task[None] | None = None
        self._claims_registry = jwt.JWTClaimsRegistry(
            now=lambda: int(self._clock()),
            leeway=leeway_seconds,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            sub={"essential": True},
            exp={"essential": True},
        )

    async def verify(self, token: str) -> Principal:
        """Verify ``token`` and return its principal, or raise AuthenticationError."""
        header = _header_of(token)
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self._algorithms:
            raise AuthenticationError("algorithm not allowed")
        key = await self._key_for(header.get("kid"), alg)
        claims = self._verified_claims(token, key, alg)
        self._validate_claims(claims)
        return principal_from_claims(claims)

    async def refresh(self) -> None:
        """Fetch the key set now (e.g. at start-up), regardless of the cache."""
        async with self._lock:
            await self._fetch_and_store()

    @property
    def ready(self) -> bool:
        """True once a key set has been loaded, so tokens can be verified."""
        return self._keys is not None

    async def start(self) -> None:
        """Begin loading the key set in the background; :attr:`ready` says when it is."""
        if self._loading is None:
            self._loading = asyncio.create_task(self._load(), name="jwks-load")

    async def stop(self) -> None:
        if self._loading is not None:
            self._loading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loading
            self._loading = None

    async def _load(self) -> None:
        """Fetch until a key set arrives, waiting longer after each failure (capped)."""
        delay, cap = self._retry_seconds
        await self.refresh()
        while self._keys is None:
            await asyncio.sleep(delay)
            delay = min(delay * 2, cap)
            await self.refresh()

    async def _key_for(self, kid: object, alg: str) -> Key:
        if kid is not None and not isinstance(kid, str):
            raise AuthenticationError("malformed token")
        key = _find_key(await self._current_keys(), kid)
        if key is None:
            await self._refetch_for_unknown_kid()
            key = _find_key(self._keys, kid)
        if key is None:
            raise AuthenticationError("unknown key")
        if key.alg is not None and key.alg != alg:
            raise AuthenticationError("algorithm not allowed")
        return key

    async def _current_keys(self) -> KeySet:
        if self._needs_fetch() or self._keys is None:
            async with self._lock:  # also waits for a fetch in flight (e.g. the start-up one)
                if self._needs_fetch():
                    await self._fetch_and_store()
        if self._keys is None:
            raise ServiceUnavailable("the identity key set is unavailable")
        return self._keys

    async def _refetch_for_unknown_kid(self) -> None:
        async with self._lock:
            if self._may_fetch():
                await self._fetch_and_store()

    def _needs_fetch(self) -> bool:
        stale = self._clock() - self._fetched_at >= self._cache_seconds
        return (self._keys is None or stale) and self._may_fetch()

    def _may_fetch(self) -> bool:
        return self._clock() - self._attempted_at >= self._min_refetch_seconds

    async def _fetch_and_store(self) -> None:
        self._attempted_at = self._clock()
        try:
            document = json.loads(await self._fetch())
            keys = KeySet.import_key_set(document)
        except (httpx.HTTPError, OSError, ValueError, TypeError, KeyError, JoseError) as exc:
            _log.warning("jwks_fetch_failed", url=self.jwks_url, error=repr(exc))
            return
        self._keys, self._fetched_at = keys, self._clock()
        _log.info("jwks_fetched", url=self.jwks_url, kids=[k.kid for k in keys])

    async def _fetch(self) -> bytes:
        if self.jwks_url.startswith("file://"):
            return await asyncio.to_thread(_read_file_url, self.jwks_url)
        if self._client is not None:
            return await _get(self._client, self.jwks_url)
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            return await _get(client, self.jwks_url)

    def _verified_claims(self, token: str, key: Key, alg: str) -> dict[str, Any]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SecurityWarning)
                return jwt.decode(token, key, algorithms=[alg]).claims
        except (BadSignatureError, InvalidKeyTypeError, InvalidKeyCurveError) as exc:
            raise AuthenticationError("signature invalid") from exc
        except (JoseError, ValueError) as exc:
            raise AuthenticationError("malformed token") from exc

    def _validate_claims(self, claims: dict[str, Any]) -> None:
        try:
            self._claims_registry.validate(claims)
        except ExpiredTokenError as exc:
            raise AuthenticationError("token expired") from exc
        except MissingClaimError as exc:
            raise AuthenticationError(f"missing claim: {exc.claim}") from exc
        except InvalidClaimError as exc:
            reason = _CLAIM_REASONS.get(exc.claim, f"invalid claim: {exc.claim}")
            raise AuthenticationError(reason) from exc


async def _get(client: httpx.AsyncClient, url: str) -> bytes:
    response = await client.get(url)
    response.raise_for_status()
    return response.content


def _find_key(keys: KeySet | None, kid: str | None) -> Key | None:
    if keys is None:
        return None
    try:
        return keys.get_by_kid(kid, {"use": "sig"})
    except JoseError:
        return None


def verifier_of(request: Request) -> TokenVerifier:
    """The verifier kept on ``app.state.verifier``."""
    verifier = getattr(request.app.state, "verifier", None)
    if verifier is None:
        raise RuntimeError("no token verifier: set app.state.verifier at start-up")
    return cast(TokenVerifier, verifier)


async def get_verifier(request: Request) -> TokenVerifier:
    """The dependency form of :func:`verifier_of` (async: FastAPI runs a plain function
    in its thread pool, a hand-over each way on every request)."""
    return verifier_of(request)


_bearer_scheme = HTTPBearer(auto_error=False)


def bearer_principal(
    verifier_provider: Callable[..., Any] = get_verifier,
) -> Callable[..., Any]:
    """A dependency returning the verified principal of the request's bearer token."""

    async def principal(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
        verifier: Annotated[TokenVerifier, Depends(verifier_provider)],
    ) -> Principal:
        if credentials is None:
            raise AuthenticationError("missing bearer token", invalid_token=False)
        return await verifier.verify(credentials.credentials)

    return principal


authenticated = bearer_principal()
CurrentPrincipal = Annotated[Principal, Depends(authenticated)]


def require_loa(
    level: int, principal_dependency: Callable[..., Any] = authenticated
) -> Callable[..., Any]:
    """A dependency returning the principal if its level of assurance is ``level`` or more."""

    async def principal_with_loa(
        principal: Annotated[Principal, Depends(principal_dependency)],
    ) -> Principal:
        if principal.loa < level:
            raise Forbidden(
                "insufficient level of assurance",
                extensions={"required_loa": level, "loa": principal.loa},
            )
        return principal

    return principal_with_loa
