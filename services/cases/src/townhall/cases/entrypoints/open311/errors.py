"""Every error under /open311/v2/ in GeoReport v2's error format, whoever raised it.

GeoReport v2, Errors: "Multiple errors codes and descriptions can be returned in the
body (the response is an array)", each error a ``code`` and a ``description``, in XML
(``<errors><error><code/><description/></error></errors>``) or JSON. Open311's own
refusals are raised as :class:`~.parameters.Open311Error`; what the platform refuses
before a route runs (an unknown path, a wrong method, a format that is neither ``.xml``
nor ``.json``, a bearer token, a body too large, too many look-ups, a dependency down)
is an RFC 9457 problem everywhere else in Townhall. Under /open311/v2/ this middleware
rewrites those problems into the spec's list, keeping the status (a ``422`` becomes
the spec's ``400``: "basically 400 for any other error where the request can not be
fulfilled as expected") and every other header (security headers, ``Retry-After``).

The format is the path's extension; a path with neither gets XML, the format the spec
requires ("XML is a required format"), unless the client accepts only JSON.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from townhall.cases.entrypoints.open311.render import FORMATS, error_body
from townhall.runtime.problems import PROBLEM_MEDIA_TYPE

PREFIX = "/open311/v2/"
#: What a client is told when the path's extension is not a format served here.
BAD_FORMAT = "the format is the path's extension: .xml or .json"


def requested_format(path: str, accept: str = "") -> str:
    """``xml`` or ``json``: the path's extension, else XML unless only JSON is accepted."""
    extension = path.rsplit("/", 1)[-1].rpartition(".")[2]
    if extension in FORMATS:
        return extension
    return "json" if "json" in accept and "xml" not in accept else "xml"


def _where(loc: list[Any]) -> str:
    names = [str(part) for part in loc if part not in ("path", "query", "body")]
    return ".".join(names) or "request"


def descriptions(problem: dict[str, Any]) -> list[str]:
    """What went wrong, in words: each field error, or the problem's detail or title."""
    found: list[str] = []
    for error in problem.get("errors") or []:
        loc = list(error.get("loc") or [])
        if loc[-1:] == ["fmt"]:
            found.append(BAD_FORMAT)
        else:
            found.append(f"{_where(loc)}: {error.get('msg', 'invalid')}")
    return found or [str(problem.get("detail") or problem.get("title") or "request refused")]


def _status(status: int) -> int:
    return 400 if status == 422 else status


class Open311ErrorsMiddleware:
    """Rewrites problem responses under :data:`PREFIX` into GeoReport v2 error lists."""

    def __init__(self, app: ASGIApp, prefix: str = PREFIX):
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        fmt = requested_format(scope["path"], Headers(scope=scope).get("accept", ""))
        held: Message | None = None
        body = bytearray()

        async def rewrite(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                media_type = Headers(raw=message["headers"]).get("content-type", "")
                if message["status"] >= 400 and media_type.startswith(PROBLEM_MEDIA_TYPE):
                    held = message
                    return
            elif held is not None and message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if message.get("more_body"):
                    return
                await _send_rewritten(send, held, bytes(body), fmt)
                return
            await send(message)

        await self.app(scope, receive, rewrite)


async def _send_rewritten(send: Send, start: Message, body: bytes, fmt: str) -> None:
    try:
        problem = json.loads(body)
    except ValueError:
        problem = {}
    status = _status(int(start["status"]))
    content, media_type = error_body(fmt, status, descriptions(problem))
    headers = MutableHeaders(raw=list(start["headers"]))
    headers["content-type"] = media_type
    headers["content-length"] = str(len(content))
    await send({"type": "http.response.start", "status": status, "headers": headers.raw})
    await send({"type": "http.response.body", "body": content})
