"""Reading Open311 requests: the form, query parameters, dates, and the spec's errors.

Errors are GeoReport v2's list of code and description, in the format the path asked
for (:func:`install` maps :class:`Open311Error` to it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import Response

from townhall.cases.entrypoints.open311.documents import document_errors
from townhall.cases.entrypoints.open311.errors import PREFIX, Open311ErrorsMiddleware
from townhall.cases.entrypoints.open311.render import errors


class Open311Error(Exception):
    def __init__(self, status: int, descriptions: Sequence[str], fmt: str = "json"):
        super().__init__("; ".join(descriptions))
        self.status, self.descriptions, self.fmt = status, list(descriptions), fmt


async def _on_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Open311Error)
    return errors(exc.fmt, exc.status, exc.descriptions)


def install(app: FastAPI) -> None:
    """Open311's errors, and every other error under /open311/v2/, in the spec's format
    (served and documented)."""
    app.add_exception_handler(Open311Error, _on_error)
    app.add_middleware(Open311ErrorsMiddleware, prefix=PREFIX)
    document_errors(app, PREFIX.rstrip("/"))


#: "When not specified, the range defaults to most recent 90 days" and a range "may not
#: span more than 90 days" (GeoReport v2, GET Service Requests).
DEFAULT_WINDOW = timedelta(days=90)


async def form_fields(request: Request, fmt: str) -> list[tuple[str, str]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type != "application/x-www-form-urlencoded":
        raise Open311Error(400, ["send the request form-encoded"], fmt)
    try:
        return parse_qsl((await request.body()).decode(), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Open311Error(400, [f"unreadable form: {exc}"], fmt) from exc


def one(fields: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in fields if k == name), None)


def listed(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def window(
    start: str | None, end: str | None, fmt: str, now: datetime
) -> tuple[datetime, datetime]:
    """The dates asked for; by default the last 90 days (the spec's default window)."""
    try:
        end_at = parse_w3c(end) if end else now
        start_at = parse_w3c(start) if start else end_at - DEFAULT_WINDOW
    except ValueError as exc:
        raise Open311Error(400, [f"dates must be W3C date-times: {exc}"], fmt) from exc
    if start_at > end_at:
        raise Open311Error(400, ["start_date is after end_date"], fmt)
    if end_at - start_at > DEFAULT_WINDOW:
        raise Open311Error(400, ["start_date to end_date may not span more than 90 days"], fmt)
    return start_at, end_at


def parse_w3c(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
