"""Who may do what: one declared table per service, action → who and at what level.

Progressive authentication (see ``ARCHITECTURE.md``) gives a resident's token a level
of assurance (``loa``):

* ``TRACKING`` (0): a one-time code sent to a contact point. It proves only that someone
  read one message, so it is good for the one request its ``ref`` claim names, nothing
  else: not the timeline, the record, consents or other requests.
* ``ACCOUNT`` (1): an account with a verified email: the resident's own history.
* ``VERIFIED`` (2): identity checked by an officer or a verified provider: sensitive
  (special-category) history.

Each service declares its table once, in one place, and every route names its action::

    ACCESS = AccessTable("cases", {
        "case.read": Rule("Read a request's status and public updates",
                          residents=ACCOUNT, tracking=True, officers=True, scope="cases:read"),
    })

    @router.get("/cases/{reference}")
    async def show(
        reference: str, caller: Annotated[Principal, Depends(ACCESS.require("case.read"))]
    ) -> CaseOut: ...

The table decides *whether this kind of caller, at this level, may attempt the action*;
whether this resident owns this case, or this officer's roles cover its domain, is
still the service's own check. A table is data, so tests prove every row of it and the
OpenAPI document shows it on each operation (``x-townhall-access``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, NamedTuple, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from townhall.runtime.auth import AuthenticationError, Principal, verifier_of
from townhall.runtime.problems import Forbidden

__all__ = [
    "ACCOUNT",
    "TRACKING",
    "VERIFIED",
    "AccessDeniedError",
    "AccessTable",
    "OnRefusal",
    "Operation",
    "Rule",
    "action_of",
    "operations",
    "tracking_reference",
]

TRACKING = 0
ACCOUNT = 1
VERIFIED = 2

#: The path parameter a tracking token's ``ref`` is compared with.
REFERENCE_PARAMETER = "reference"
_ACTION_ATTRIBUTE = "__townhall_action__"
_bearer = HTTPBearer(auto_error=False)
#: Called with (request, principal, action) before a signed-in caller is refused.
OnRefusal = Callable[[Request, Principal, str], Awaitable[None]]
#: What a service's domain makes of a verified caller (its ``Actor``).
A = TypeVar("A")


@dataclass(frozen=True, slots=True)
class Rule:
    """Who may attempt one action.

    ``residents`` is the lowest level of assurance a resident needs (``None``: residents
    may not); with ``tracking`` a resident below it may still act on the one request
    their token's ``ref`` names. ``officers`` admits officers (their domain roles are
    the service's check); ``scope`` admits service clients holding that scope.
    """

    summary: str
    anonymous: bool = False
    residents: int | None = None
    tracking: bool = False
    officers: bool = False
    scope: str | None = None

    def __post_init__(self) -> None:
        if self.tracking and (self.residents is None or self.residents <= TRACKING):
            raise ValueError(f"{self.summary!r}: tracking needs residents above TRACKING")


class AccessDeniedError(Forbidden):
    """403: this caller may not attempt this action; ``detail`` says why."""

    type_ = "https://townhall.example/problems/access-denied"


def tracking_reference(principal: Principal) -> str | None:
    """The one request a token below ``ACCOUNT`` is good for (its ``ref`` claim)."""
    if principal.kind != "resident" or principal.loa >= ACCOUNT:
        return None
    ref = principal.claims.get("ref")
    return ref if isinstance(ref, str) else None


class AccessTable(Mapping[str, Rule]):
    """A service's declared actions; see the module docstring."""

    def __init__(self, service: str, rules: Mapping[str, Rule]):
        self.service = service
        self._rules = dict(rules)

    def __getitem__(self, action: str) -> Rule:
        return self._rules[action]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def refusal(
        self, principal: Principal | None, action: str, *, reference: str | None = None
    ) -> str | None:
        """Why ``principal`` may not attempt ``action`` (None: it may).

        ``reference`` is the request the action is about, where it is about one.
        """
        rule = self._rules[action]
        if principal is None:
            return None if rule.anonymous else "sign in to do this"
        if principal.kind == "officer":
            return None if rule.officers else "officers cannot do this here"
        if principal.kind == "service":
            if rule.scope is None:
                return "service clients cannot do this"
            return None if principal.has_scope(rule.scope) else f"needs scope {rule.scope}"
        if rule.residents is None:
            return None if rule.anonymous else "residents cannot do this here"
        if principal.loa >= rule.residents:
            return None
        if rule.tracking and reference is not None and tracking_reference(principal) == reference:
            return None
        if rule.anonymous:
            return None  # what anyone may do, a resident at any level may do
        return "insufficient level of assurance"

    def check(
        self, principal: Principal | None, action: str, *, reference: str | None = None
    ) -> None:
        """Raise 401 (no token where one is needed) or 403 unless the table allows it."""
        reason = self.refusal(principal, action, reference=reference)
        if reason is None:
            return
        if principal is None:
            raise AuthenticationError("missing bearer token", invalid_token=False)
        extensions: dict[str, Any] = {"action": action}
        rule = self._rules[action]
        if principal.kind == "resident" and rule.residents is not None:
            extensions |= {"required_loa": rule.residents, "loa": principal.loa}
        raise AccessDeniedError(reason, extensions=extensions)

    def require(self, action: str, *, on_refusal: OnRefusal | None = None) -> Callable[..., Any]:
        """A dependency returning the caller allowed to attempt ``action``.

        It returns ``None`` for an anonymous caller where the rule allows one. A token
        that is present is always verified, even where none is needed (a bad token is
        401, never silently anonymous). The request's ``reference`` path parameter, if
        any, is what a tracking token's ``ref`` must name. ``on_refusal`` is awaited
        before a signed-in caller is refused (a service that audits every attempt).
        """
        if action not in self._rules:
            raise KeyError(f"{self.service}: no rule for action {action!r}")

        async def allowed(
            request: Request,
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        ) -> Principal | None:
            principal = (
                None
                if credentials is None
                else await verifier_of(request).verify(credentials.credentials)
            )
            reference = request.path_params.get(REFERENCE_PARAMETER)
            refused = self.refusal(principal, action, reference=reference) is not None
            if refused and principal is not None and on_refusal is not None:
                await on_refusal(request, principal, action)
            self.check(principal, action, reference=reference)
            return principal

        setattr(allowed, _ACTION_ATTRIBUTE, (self, action))
        allowed.__name__ = f"require_{action.replace('.', '_')}"
        return allowed

    def acting(
        self, action: str, reading: Callable[[Principal | None], A]
    ) -> Callable[..., Awaitable[A]]:
        """A dependency returning the caller allowed to attempt ``action`` as the
        domain reads it (``reading``: a service's ``actor_of``), so routes take the
        domain's Actor and never the token's Principal."""
        allowed = self.require(action)

        # A default, not Annotated: ``allowed`` is local, and this module's annotations
        # are strings FastAPI resolves in the module's globals.
        async def actor(principal: Principal | None = Depends(allowed)) -> A:  # noqa: B008
            return reading(principal)

        actor.__name__ = f"acting_{action.replace('.', '_')}"
        return actor

    def describe(self, action: str) -> dict[str, Any]:
        """The rule as the OpenAPI extension ``x-townhall-access`` shows it."""
        rule = self._rules[action]
        described: dict[str, Any] = {"action": action, "summary": rule.summary}
        if rule.anonymous:
            described["anonymous"] = True
        if rule.residents is not None:
            described["residents_min_loa"] = rule.residents
            if rule.tracking:
                described["tracking_token"] = "for the request its ref claim names"
        if rule.officers:
            described["officers"] = True
        if rule.scope:
            described["service_scope"] = rule.scope
        return described


def action_of(dependency: Callable[..., Any]) -> tuple[AccessTable, str] | None:
    """The (table, action) a dependency made by :meth:`AccessTable.require` enforces."""
    found = getattr(dependency, _ACTION_ATTRIBUTE, None)
    return found if isinstance(found, tuple) else None


class Operation(NamedTuple):
    """One API route as served: its full path (router prefixes included), methods,
    whether it is documented, and its dependencies."""

    path: str
    methods: frozenset[str]
    documented: bool
    dependant: Dependant


def operations(app: FastAPI) -> Iterator[Operation]:
    """Every API route of ``app``, those of included routers too.

    FastAPI 0.165 keeps an included router as one entry of ``app.routes``; its routes
    are read through ``iter_route_contexts`` (earlier versions copied them in).
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - FastAPI before lazily included routers
        found: Iterator[Any] = iter(app.routes)
    else:
        found = iter_route_contexts(app.routes)
    for route in found:
        if isinstance(getattr(route, "original_route", route), APIRoute):
            methods = frozenset(route.methods or ())
            yield Operation(route.path_format, methods, route.include_in_schema, route.dependant)
