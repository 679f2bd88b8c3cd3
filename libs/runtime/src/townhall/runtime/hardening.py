"""The HTTP hardening every app gets from :func:`townhall.runtime.web.create_app`.

:class:`SecurityHeadersMiddleware` puts these on every response (a route that sets one
of them itself keeps its own, e.g. a JWKS with ``Cache-Control: public, max-age=300``):

- ``Content-Security-Policy``: :data:`API_CONTENT_SECURITY_POLICY` (nothing may load,
  frame, or be submitted), or the policy a service serving HTML pages passes to
  ``create_app``; the interactive docs, served in development only, get
  :data:`DOCS_CONTENT_SECURITY_POLICY`, which lets FastAPI's pages load their scripts and
  styles from jsdelivr and run their inline script;
- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: no-referrer``, ``Cross-Origin-Resource-Policy: same-origin``;
- ``Cache-Control: no-store``: answers carry personal data, and no browser or proxy
  may keep a copy unless the route says otherwise;
- ``Strict-Transport-Security`` only when the request came over TLS (directly or, per
  ``X-Forwarded-Proto``, through a trusted proxy): browsers ignore it over plain HTTP.

:class:`BodyLimitMiddleware` refuses a request body over the limit with a 413 problem
before the route runs: at once when ``Content-Length`` declares it (the body is never
read), or the moment a streamed body passes it. A route that takes files (an upload it
reads as a stream and bounds itself) is named with a :class:`LargerBody`: its requests
get that limit instead, every other route keeps the service's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from townhall.runtime.addresses import Network, forwarded_scheme
from townhall.runtime.problems import ContentTooLarge, problem_response

__all__ = [
    "API_CONTENT_SECURITY_POLICY",
    "DOCS_CONTENT_SECURITY_POLICY",
    "STRICT_TRANSPORT_SECURITY",
    "BodyLimitMiddleware",
    "LargerBody",
    "SecurityHeadersMiddleware",
]

API_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
#: FastAPI's /docs (Swagger UI) and /redoc pages: their bundles and styles come from
#: jsdelivr (Redoc's fonts from Google), each page runs an inline script, and they
#: fetch /openapi.json. 'unsafe-inline' is tolerable here only because these pages
#: exist in development alone.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "connect-src 'self'; worker-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
_ALWAYS = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-resource-policy", "same-origin"),
    ("cache-control", "no-store"),
)


def _route_path(scope: Scope) -> str:
    path = str(scope.get("path", ""))
    root = str(scope.get("root_path", ""))
    return path[len(root) :] if root and path.startswith(root) else path


class SecurityHeadersMiddleware:
    """Security headers and ``Cache-Control: no-store`` on every HTTP response."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        content_security_policy: str = API_CONTENT_SECURITY_POLICY,
        docs_paths: Sequence[str] = (),
        trusted_proxies: Sequence[Network] = (),
    ) -> None:
        self.app = app
        self.content_security_policy = content_security_policy
        self.docs_paths = frozenset(docs_paths)
        self.trusted_proxies = tuple(trusted_proxies)

    def _headers_for(self, scope: Scope) -> list[tuple[str, str]]:
        docs = _route_path(scope) in self.docs_paths
        policy = DOCS_CONTENT_SECURITY_POLICY if docs else self.content_security_policy
        headers = [*_ALWAYS, ("content-security-policy", policy)]
        if forwarded_scheme(scope, self.trusted_proxies) == "https":
            headers.append(("strict-transport-security", STRICT_TRANSPORT_SECURITY))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = self._headers_for(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in added:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _BodyTooLarge(Exception):  # noqa: N818 (raised into the app, never escapes)
    """What the app's ``receive`` raises once the body passes the limit."""


def _declared_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server rejects it; otherwise the body is counted
    return None


@dataclass(frozen=True)
class LargerBody:
    """Requests of ``method`` to a path matching ``path`` (a regular expression, matched
    in full) may carry up to ``max_body_bytes``: a route taking files."""

    method: str
    path: str
    max_body_bytes: int

    def matches(self, scope: Scope) -> bool:
        method_matches = scope.get("method") == self.method.upper()
        return method_matches and re.fullmatch(self.path, str(scope.get("path", ""))) is not None


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_body_bytes`` with a 413 problem.

    A streamed body is counted as the app reads it; when it passes the limit the app's
    ``receive`` raises, anything the app answers to that is dropped, and the client
    gets the 413 instead (unless the app had already begun its response: then the
    error propagates and the server closes the connection).
    """

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, larger: Sequence[LargerBody] = ()
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.larger = tuple(larger)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = next(
            (allowed.max_body_bytes for allowed in self.larger if allowed.matches(scope)),
            self.max_body_bytes,
        )
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        refused = started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    raise _BodyTooLarge
            return message

        async def send_unless_refused(message: Message) -> None:
            nonlocal started
            if refused and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, send_unless_refused)
        except Exception:
            if not refused or started:
                raise
        if refused and not started:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        error = ContentTooLarge(
            f"The request body is larger than {limit} bytes.",
            extensions={"max_body_bytes": limit},
            headers={"Connection": "close"},  # the rest of the body is not read
        )
        response = problem_response(error.to_problem(str(scope.get("path", ""))), error.headers)
        await response(scope, receive, send)
