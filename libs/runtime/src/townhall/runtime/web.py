"""The FastAPI application every Townhall service starts from.

:func:`create_app` gives each service the same operational surface: problem-details
errors, correlation ids, request metrics and an access log, security headers, a limit
on request bodies, ``/healthz``, ``/readyz`` and ``/metrics`` (to the peers in
``METRICS_ALLOW`` only); in development also ``/docs``, ``/redoc`` and
``/openapi.json``. Services add their routers to the app it returns.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Lifespan, Message, Receive, Scope, Send

from townhall.runtime.addresses import (
    Network,
    forwarded_client,
    is_within,
    parse_networks,
    peer_address,
)
from townhall.runtime.hardening import (
    API_CONTENT_SECURITY_POLICY,
    BodyLimitMiddleware,
    LargerBody,
    SecurityHeadersMiddleware,
)
from townhall.runtime.logging import (
    CorrelationIdMiddleware,
    get_correlation_id,
    new_correlation_id,
)
from townhall.runtime.openapi import document_problems
from townhall.runtime.outbox import EventContext
from townhall.runtime.problems import NotFound, ServiceUnavailable, install_problem_handlers
from townhall.runtime.settings import ServiceSettings

__all__ = [
    "HTTP_REQUESTS",
    "HTTP_REQUEST_DURATION",
    "Composition",
    "ReadinessCheck",
    "ReadinessDetails",
    "RequestMetricsMiddleware",
    "client_address",
    "create_app",
]

T = TypeVar("T")
ReadinessCheck = Callable[[], Awaitable[str | None]]
"""Returns None when the dependency is fine, or a short reason why it is not."""
ReadinessDetails = Callable[[], Mapping[str, str]]
"""What ``/readyz`` also shows, ready or not (which model a service serves, say)."""

READINESS_TIMEOUT_SECONDS = 2.0
_UNMATCHED_ROUTE = "<unmatched>"
_log = structlog.get_logger(__name__)
_access_log = structlog.get_logger("townhall.access")

# Module level: created once per process however many apps a test session builds.
HTTP_REQUESTS = Counter(
    "townhall_http_requests",
    "HTTP requests handled, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "townhall_http_request_duration_seconds",
    "Time to handle an HTTP request, by method, route template and status code.",
    ["method", "route", "status"],
)


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else _UNMATCHED_ROUTE


class RequestMetricsMiddleware:
    """Count, time and log HTTP requests, labelled by route template (not raw path).

    It writes the access log (uvicorn's is off): one ``http_request`` line per request
    with the method, the path without its query string (where search terms such as a
    name or an email address would be), the route template, status and duration.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_recording_status)
        finally:
            elapsed = time.perf_counter() - started
            method, route = scope["method"], _route_template(scope)
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_REQUEST_DURATION.labels(method, route, str(status)).observe(elapsed)
            _access_log.info(
                "http_request",
                method=method,
                path=scope.get("path", ""),
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 1),
            )


async def _run_check(check: ReadinessCheck) -> str | None:
    name = getattr(check, "__name__", repr(check))
    try:
        return await asyncio.wait_for(check(), READINESS_TIMEOUT_SECONDS)
    except TimeoutError:
        return f"{name}: timed out"
    except Exception:
        _log.exception("readiness_check_failed", check=name)
        return f"{name}: failed"


async def _not_ready_reasons(checks: Sequence[ReadinessCheck]) -> list[str]:
    results = await asyncio.gather(*(_run_check(check) for check in checks))
    return [reason for reason in results if reason is not None]


def _operations_router(
    service: str,
    checks: Sequence[ReadinessCheck],
    metrics_allow: Sequence[Network],
    details: ReadinessDetails | None = None,
) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @router.get("/readyz")
    async def readyz() -> dict[str, str]:
        reasons = await _not_ready_reasons(checks)
        shown = dict(details()) if details else {}
        if reasons:
            raise ServiceUnavailable("not ready", extensions={"reasons": reasons, **shown})
        return {"status": "ready", "service": service, **shown}

    @router.get("/metrics")
    async def metrics(request: Request) -> Response:
        if not is_within(peer_address(request.scope), metrics_allow):
            raise NotFound()  # the same answer as a path that does not exist
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return router


def create_app(
    *,
    service: str,
    version: str = "0.1.0",
    lifespan: Lifespan[FastAPI] | None = None,
    readiness: Sequence[ReadinessCheck] = (),
    readiness_details: ReadinessDetails | None = None,
    settings: ServiceSettings | None = None,
    docs: bool | None = None,
    max_body_bytes: int | None = None,
    larger_bodies: Sequence[LargerBody] = (),
    content_security_policy: str = API_CONTENT_SECURITY_POLICY,
    **fastapi_options: Any,
) -> FastAPI:
    """A FastAPI app with Townhall's errors, correlation ids, metrics, probes and hardening.

    ``settings`` supplies the environment (``docs`` in development only),
    ``http_max_body_bytes``, ``metrics_allow`` and ``trusted_proxies``; without it, the
    production defaults. ``docs`` and ``max_body_bytes`` override it; ``larger_bodies``
    names the routes taking files, each with its own limit.
    ``content_security_policy`` is for a service that serves HTML pages.

    ``readiness`` checks run concurrently on each ``GET /readyz`` (each limited to
    ``READINESS_TIMEOUT_SECONDS``); ``readiness_details`` adds members to its answer.
    Middleware, outermost first: correlation id,
    request metrics and access log, security headers, body limit, unhandled-error guard.
    """
    settings = settings or ServiceSettings.model_construct()
    if not (settings.development if docs is None else docs):
        fastapi_options.update(openapi_url=None, docs_url=None, redoc_url=None)
    app = FastAPI(title=service, version=version, lifespan=lifespan, **fastapi_options)
    app.state.service = service
    app.state.trusted_proxies = parse_networks(settings.trusted_proxies)
    install_problem_handlers(app)
    document_problems(app)
    limit = settings.http_max_body_bytes if max_body_bytes is None else max_body_bytes
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=limit, larger=larger_bodies)
    app.add_middleware(
        SecurityHeadersMiddleware,
        content_security_policy=content_security_policy,
        docs_paths=_docs_paths(app),
        trusted_proxies=app.state.trusted_proxies,
    )
    app.add_middleware(RequestMetricsMiddleware)
    app.add_middleware(CorrelationIdMiddleware)
    metrics_allow = parse_networks(settings.metrics_allow)
    app.include_router(
        _operations_router(service, tuple(readiness), metrics_allow, readiness_details)
    )
    return app


def _docs_paths(app: FastAPI) -> list[str]:
    if app.openapi_url is None:
        return []
    pages = (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url)
    return [page for page in pages if page]


def client_address(request: Request) -> str:
    """The client's IP address, e.g. to throttle logins per address: the TCP peer, or
    behind a proxy in ``TRUSTED_PROXIES`` the address it forwarded in X-Forwarded-For."""
    trusted: tuple[Network, ...] = getattr(request.app.state, "trusted_proxies", ())
    return forwarded_client(request.scope, trusted)


async def event_context() -> EventContext:
    """A route's dependency: the cause of the events it writes, the request's correlation
    id (set by the correlation middleware, or a new one)."""
    return EventContext(correlation_id=get_correlation_id() or new_correlation_id())


class Composition(Generic[T]):
    """What a service's ``bootstrap`` built, kept once on its app and read through one
    typed dependency, so routes never reach into untyped ``app.state`` attributes.

    A service's ``dependencies.py``: ``composition = Composition(Cases)``, then
    ``Services = Annotated[Cases, Depends(composition.dependency)]``.
    """

    def __init__(self, kind: type[T]):
        self.kind = kind

    def install(self, app: FastAPI, services: T) -> None:
        app.state.services = services

    def of(self, app: FastAPI) -> T:
        services = getattr(app.state, "services", None)
        if not isinstance(services, self.kind):
            raise LookupError(f"this app holds no {self.kind.__name__}: install it first")
        return services

    async def dependency(self, request: Request) -> T:
        return self.of(request.app)
