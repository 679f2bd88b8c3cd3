"""Structured logging and the correlation id.

:func:`configure_logging` makes every log line — structlog's and the standard
library's (uvicorn, aiokafka, sqlalchemy…) — one JSON object on stderr with
``timestamp``, ``level``, ``service``, ``event``, ``logger`` and, when one is bound,
``correlation_id``. Log with fields, not f-strings::

    log = structlog.get_logger(__name__)
    log.info("case_closed", case_id=case.id)

The correlation id lives in a contextvar. HTTP requests bind it through
:class:`CorrelationIdMiddleware`; consumers bind the event's ``correlationid`` with
:func:`bind_correlation_id`. When running uvicorn, pass ``log_config=None`` so it keeps
this configuration instead of installing its own.

No log line carries a query string: the runtime's access log writes the path alone
(:class:`townhall.runtime.web.RequestMetricsMiddleware`), uvicorn's access log is off,
and httpx's ``HTTP Request: GET <url>`` lines lose the query (searches put names and
email addresses there) through :class:`QueryStringFilter`.
"""

from __future__ import annotations

import logging
import re
import sys
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = [
    "CORRELATION_ID_HEADER",
    "CorrelationIdMiddleware",
    "QueryStringFilter",
    "bind_correlation_id",
    "configure_logging",
    "get_correlation_id",
    "is_valid_correlation_id",
    "new_correlation_id",
    "reset_correlation_id",
    "set_correlation_id",
]

CORRELATION_ID_HEADER = "X-Correlation-ID"
_HEADER_KEY = CORRELATION_ID_HEADER.lower().encode("latin-1")
_VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_THIRD_PARTY_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "aiokafka", "sqlalchemy")

_correlation_id: ContextVar[str | None] = ContextVar("townhall_correlation_id", default=None)


def get_correlation_id() -> str | None:
    """The correlation id bound to the current context, if any."""
    return _correlation_id.get()


def set_correlation_id(value: str) -> Token[str | None]:
    """Bind ``value``; pass the returned token to :func:`reset_correlation_id`."""
    return _correlation_id.set(value)


def reset_correlation_id(token: Token[str | None]) -> None:
    """Restore the correlation id that was bound before :func:`set_correlation_id`."""
    _correlation_id.reset(token)


@contextmanager
def bind_correlation_id(value: str | None = None) -> Iterator[str]:
    """Bind ``value`` (a new id when None) for the duration of the block."""
    bound = value or new_correlation_id()
    token = _correlation_id.set(bound)
    try:
        yield bound
    finally:
        _correlation_id.reset(token)


def new_correlation_id() -> str:
    """A fresh correlation id."""
    return str(uuid.uuid4())


def is_valid_correlation_id(value: str) -> bool:
    """Whether ``value`` is an acceptable id: 1 to 128 of ``[A-Za-z0-9._-]``."""
    return _VALID_ID.fullmatch(value) is not None


def _add_service(service: str) -> Processor:
    def add_service(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return add_service


def _add_correlation_id(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    correlation_id = _correlation_id.get()
    if correlation_id is not None:
        event_dict.setdefault("correlation_id", correlation_id)
    return event_dict


def _drop_color_message(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    event_dict.pop("color_message", None)  # uvicorn's ANSI duplicate of the message
    return event_dict


def _shared_processors(service: str) -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
        _add_correlation_id,
        structlog.stdlib.ExtraAdder(),
        _drop_color_message,
    ]


def _renderer(json: bool) -> Processor:
    if json:
        return structlog.processors.JSONRenderer()
    return structlog.dev.ConsoleRenderer()


def _formatter(service: str, json: bool) -> structlog.stdlib.ProcessorFormatter:
    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if json:
        final.append(structlog.processors.format_exc_info)
    final.append(_renderer(json))
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(service),
        processors=final,
    )


class _TownhallHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installs, so reconfiguring replaces it."""


def _install_root_handler(formatter: logging.Formatter, level: int) -> None:
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _TownhallHandler)]:
        root.removeHandler(handler)
    handler = _TownhallHandler(sys.stderr)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level)


def _route_third_party_loggers() -> None:
    for name in _THIRD_PARTY_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


def _without_query(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rpartition("@")[2]  # no user:password@
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def _is_url(value: object) -> bool:
    return str(value).startswith(("http://", "https://"))


class QueryStringFilter(logging.Filter):
    """Remove query strings, fragments and credentials from the URLs a record logs.

    httpx logs every request it sends as ``HTTP Request: GET <url> "HTTP/1.1 200 OK"``
    with the URL as an argument; this rewrites such arguments to scheme, host and path.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _without_query(str(arg)) if _is_url(arg) else arg for arg in record.args
            )
        return True


def _mask_client_urls() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, QueryStringFilter) for f in logger.filters):
        logger.addFilter(QueryStringFilter())


def _numeric_level(level: str) -> int:
    levels = logging.getLevelNamesMapping()
    if level.upper() not in levels:
        raise ValueError(f"unknown log level {level!r}")
    return levels[level.upper()]


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    """Send structlog and standard-library logs to stderr, one JSON object a line.

    Safe to call more than once (tests, reloads): the handler is replaced, not added.
    ``json=False`` renders coloured console lines for local development.
    """
    numeric_level = _numeric_level(level)
    structlog.configure(
        processors=[
            *_shared_processors(service),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    _install_root_handler(_formatter(service, json), numeric_level)
    _route_third_party_loggers()
    _mask_client_urls()


def _header_value(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == _HEADER_KEY:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


def _incoming_or_new(scope: Scope) -> str:
    incoming = _header_value(scope)
    if incoming is not None and is_valid_correlation_id(incoming):
        return incoming
    return new_correlation_id()


class CorrelationIdMiddleware:
    """Bind a correlation id for each HTTP request and echo it in the response.

    A valid incoming ``X-Correlation-ID`` is kept; a missing or invalid one
    (longer than 128 characters, or outside ``[A-Za-z0-9._-]``) is replaced by a uuid4.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        correlation_id = _incoming_or_new(scope)
        header = (_HEADER_KEY, correlation_id.encode("latin-1"))

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = [
                    h for h in message.get("headers", []) if h[0].lower() != _HEADER_KEY
                ]
                message["headers"] = [*headers, header]
            await send(message)

        with bind_correlation_id(correlation_id):
            await self.app(scope, receive, send_with_header)
