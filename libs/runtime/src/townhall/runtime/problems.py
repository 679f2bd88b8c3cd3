"""RFC 9457 problem details for every Townhall HTTP API.

Services raise :class:`ProblemError` (or a subclass such as :class:`NotFound`) from
their routes and dependencies; :func:`install_problem_handlers` maps those, request
validation errors, Starlette HTTP errors and anything unexpected to
``application/problem+json`` responses. Errors are mapped here once, so routes never
build error responses by hand.

A service usually subclasses the generic errors to give its problems a stable type::

    class CaseNotFound(NotFound):
        type_ = "https://townhall.example/problems/case-not-found"
        default_title = "Case not found"

    raise CaseNotFound(f"no case with reference {ref}")
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from townhall.runtime.conflicts import TransactionConflictError

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "TRANSACTION_CONFLICT",
    "BadRequest",
    "Conflict",
    "ContentTooLarge",
    "FieldError",
    "Forbidden",
    "NotFound",
    "Problem",
    "ProblemError",
    "ProblemResponse",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UnhandledErrorMiddleware",
    "UnprocessableContent",
    "install_problem_handlers",
    "problem_response",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
_log = structlog.get_logger(__name__)


class FieldError(BaseModel):
    """One invalid field of a request: where it is and what is wrong with it."""

    model_config = ConfigDict(frozen=True)

    loc: list[str | int]
    msg: str
    type: str | None = None


class Problem(BaseModel):
    """An RFC 9457 problem details object; extension members are allowed."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemResponse(JSONResponse):
    """A JSON response served as ``application/problem+json``."""

    media_type = PROBLEM_MEDIA_TYPE


class ProblemError(Exception):
    """Base exception for errors that reach the client as a problem.

    ``ProblemError(409, "Conflict", "the slot is already taken")`` works directly;
    the subclasses below fix status and title so only ``detail`` is needed.
    """

    type_: str = "about:blank"

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str | None = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        if type_ is not None:
            self.type_ = type_
        self.headers: dict[str, str] = dict(headers or {})
        self.extensions: dict[str, Any] = dict(extensions or {})

    def to_problem(self, instance: str | None = None) -> Problem:
        """The problem document describing this error."""
        return Problem(
            type=self.type_,
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            **self.extensions,
        )


class _FixedStatusError(ProblemError):
    """A problem whose status and title are fixed by the class."""

    status_code: int = 500
    default_title: str = "Internal Server Error"
    default_headers: Mapping[str, str] = {}

    def __init__(
        self,
        detail: str | None = None,
        *,
        title: str | None = None,
        type_: str | None = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        merged = {**self.default_headers, **(headers or {})}
        super().__init__(
            self.status_code,
            title or self.default_title,
            detail,
            type_=type_,
            headers=merged,
            extensions=extensions,
        )


class BadRequest(_FixedStatusError):  # noqa: N818 (HTTP status names)
    status_code = 400
    default_title = "Bad Request"


class Unauthorized(_FixedStatusError):  # noqa: N818 (HTTP status names)
    status_code = 401
    default_title = "Unauthorized"
    default_headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(_FixedStatusError):  # noqa: N818 (HTTP status names)
    status_code = 403
    default_title = "Forbidden"


class NotFound(_FixedStatusError):  # noqa: N818 (HTTP status names)
    status_code = 404
    default_title = "Not Found"


class Conflict(_FixedStatusError):  # noqa: N818 (HTTP status names)
    status_code = 409
    default_title = "Conflict"


class ContentTooLarge(_FixedStatusError):  # noqa: N818 (HTTP status names)
    status_code = 413
    default_title = "Content Too Large"


class UnprocessableContent(_FixedStatusError):  # noqa: N818 (HTTP status names)
    status_code = 422
    default_title = "Unprocessable Content"


class _WaitError(_FixedStatusError):
    """A problem that may tell the caller when to try again: ``retry_after`` (seconds,
    rounded up, at least 1) becomes ``Retry-After``."""

    def __init__(
        self,
        detail: str | None = None,
        *,
        retry_after: float | None = None,
        title: str | None = None,
        type_: str | None = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        self.retry_after = None if retry_after is None else max(1, math.ceil(retry_after))
        waiting = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        super().__init__(
            detail,
            title=title,
            type_=type_,
            headers={**waiting, **(headers or {})},
            extensions=extensions,
        )


class TooManyRequests(_WaitError):  # noqa: N818 (HTTP status names)
    """429; ``retry_after`` becomes ``Retry-After``."""

    status_code = 429
    default_title = "Too Many Requests"


class ServiceUnavailable(_WaitError):  # noqa: N818 (HTTP status names)
    """503; ``retry_after`` becomes ``Retry-After``."""

    status_code = 503
    default_title = "Service Unavailable"


#: The problem type of a change the database refused, every time it was tried, because
#: it clashed with others (:mod:`townhall.runtime.conflicts`).
TRANSACTION_CONFLICT = "https://townhall.example/problems/transaction-conflict"


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> ProblemResponse:
    """Render a problem, leaving out members that are not set."""
    body = problem.model_dump(mode="json", exclude_none=True)
    return ProblemResponse(body, status_code=problem.status, headers=dict(headers or {}))


def _status_title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _on_problem_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.to_problem(request.url.path), exc.headers)


def _field_errors(errors: Sequence[Any]) -> list[FieldError]:
    return [
        FieldError(loc=list(err.get("loc", ())), msg=str(err.get("msg", "")), type=err.get("type"))
        for err in errors
    ]


async def _on_validation_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    instance = request.url.path
    if any(err.get("type") == "json_invalid" for err in errors):
        problem = Problem(
            title="Malformed JSON",
            status=400,
            detail="The request body is not valid JSON.",
            instance=instance,
        )
        return problem_response(problem)
    problem = Problem(
        title="Unprocessable Content",
        status=422,
        detail="The request has invalid or missing fields.",
        instance=instance,
        errors=_field_errors(errors),
    )
    return problem_response(problem)


async def _on_http_exception(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _status_title(exc.status_code)
    detail = exc.detail if exc.detail and exc.detail != title else None
    problem = Problem(title=title, status=exc.status_code, detail=detail, instance=request.url.path)
    return problem_response(problem, exc.headers)


def _internal_error(instance: str | None) -> ProblemResponse:
    problem = Problem(
        title="Internal Server Error",
        status=500,
        detail="An unexpected error occurred.",
        instance=instance,
    )
    return problem_response(problem)


async def _on_transaction_conflict(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, TransactionConflictError)
    busy = ServiceUnavailable(
        "Other changes were being made at the same moment, so nothing was changed. "
        "Please try again.",
        title="Busy: try again",
        type_=TRANSACTION_CONFLICT,
        retry_after=exc.retry_after_s,
    )
    return problem_response(busy.to_problem(request.url.path), busy.headers)


async def _on_unhandled(request: Request, exc: Exception) -> ProblemResponse:
    _log.error("unhandled_exception", path=request.url.path, exc_info=exc)
    return _internal_error(request.url.path)


class UnhandledErrorMiddleware:
    """Turn any exception escaping the app into a 500 problem, and log it once.

    It sits inside the correlation-id middleware, so the log line and the response
    both carry the request's correlation id. If the response had already started
    there is nothing safe to send, and the exception propagates.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception:
            if started:
                raise
            path = str(scope.get("path", ""))
            _log.exception("unhandled_exception", path=path)
            await _internal_error(path)(scope, receive, send)


_Handler = Callable[[Request, Exception], Awaitable[ProblemResponse]]


def install_problem_handlers(app: FastAPI) -> None:
    """Serve every error of ``app`` as an RFC 9457 problem.

    Call before the app starts. It registers exception handlers and adds
    :class:`UnhandledErrorMiddleware`; middleware added afterwards wraps it.
    """
    handlers: dict[type[Exception], _Handler] = {
        ProblemError: _on_problem_error,
        RequestValidationError: _on_validation_error,
        StarletteHTTPException: _on_http_exception,
        TransactionConflictError: _on_transaction_conflict,
        Exception: _on_unhandled,
    }
    for exc_type, handler in handlers.items():
        app.add_exception_handler(exc_type, handler)
    app.add_middleware(UnhandledErrorMiddleware)
