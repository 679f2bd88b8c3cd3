"""The front door's /open311/v2/: a reverse proxy to cases, so an Open311 client
(FixMyStreet) has one base URL, this one.

Method, path, query and body go to cases as they came, with the headers an Open311 call
needs and the client's address in ``X-Forwarded-For`` (cases counts Open311 look-ups
per client address when the front door is in its ``TRUSTED_PROXIES``). The answer
comes back with its status, body and the headers a client acts on; the front door's
own security headers are added as on every response. When cases cannot be reached the
client gets GeoReport v2's error list (``<errors><error><code/><description/>``, or the
JSON array) in the path's format, like every other error under /open311/v2/; so does
what the front door itself refuses there (a body too large): :class:`Open311Errors`.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import httpx
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from townhall.runtime.problems import PROBLEM_MEDIA_TYPE
from townhall.runtime.web import client_address

PREFIX = "/open311/v2"
#: Request headers passed on to cases; the rest (cookies above all) stay here.
FORWARDED_REQUEST = ("accept", "authorization", "content-type", "user-agent")
#: Response headers passed back; cases' security headers are replaced by the front door's.
FORWARDED_RESPONSE = ("content-type", "retry-after", "www-authenticate", "location")
TIMEOUT_S = 30.0
log = structlog.get_logger(__name__)


def _format(path: str, accept: str) -> str:
    extension = path.rsplit("/", 1)[-1].rpartition(".")[2]
    if extension in ("xml", "json"):
        return extension
    return "json" if "json" in accept and "xml" not in accept else "xml"


def open311_error(path: str, accept: str, status: int, description: str) -> Response:
    """GeoReport v2's error document, in the format the path asks for."""
    if _format(path, accept) == "json":
        body = json.dumps([{"code": status, "description": description}]).encode()
        return Response(body, status, media_type="application/json")
    errors = ET.Element("errors")
    error = ET.SubElement(errors, "error")
    ET.SubElement(error, "code").text = str(status)
    ET.SubElement(error, "description").text = description
    xml: bytes = ET.tostring(errors, encoding="utf-8", xml_declaration=True)
    return Response(xml, status, media_type="text/xml; charset=utf-8")


class CasesProxy:
    """Forwards /open311/v2/ to cases' base URL (``SERVICE_URLS_JSON``'s ``cases``)."""

    def __init__(self, base_url: str | None, transport: httpx.AsyncBaseTransport | None = None):
        self.base_url = base_url.rstrip("/") if base_url else None
        self.client = httpx.AsyncClient(transport=transport, timeout=TIMEOUT_S)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def forward(self, request: Request) -> Response:
        path, accept = request.url.path, request.headers.get("accept", "")
        if self.base_url is None:
            return open311_error(path, accept, 503, "Open311 is not configured here")
        headers = {k: v for k, v in request.headers.items() if k in FORWARDED_REQUEST}
        headers["x-forwarded-for"] = client_address(request)
        headers["x-forwarded-proto"] = request.url.scheme
        try:
            answer = await self.client.request(
                request.method,
                f"{self.base_url}{path}",
                params=list(request.query_params.multi_items()),
                content=await request.body(),
                headers=headers,
            )
        except httpx.HTTPError as exc:
            log.warning("open311_upstream_failed", path=path, error=type(exc).__name__)
            return open311_error(path, accept, 502, "the council's Open311 service did not answer")
        kept = {k: v for k, v in answer.headers.items() if k in FORWARDED_RESPONSE}
        return Response(answer.content, answer.status_code, headers=kept)


def router(proxy: CasesProxy) -> APIRouter:
    routes = APIRouter(include_in_schema=False)

    @routes.api_route(
        PREFIX + "/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
    )
    async def open311(request: Request) -> Response:
        return await proxy.forward(request)

    return routes


class Open311Errors:
    """The front door's own problems under /open311/v2/ (413, 500) as the spec's list."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith(PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        accept = Headers(scope=scope).get("accept", "")
        held: list[Message] = []
        body = bytearray()

        async def rewrite(message: Message) -> None:
            if message["type"] == "http.response.start":
                media_type = Headers(raw=message["headers"]).get("content-type", "")
                if message["status"] >= 400 and media_type.startswith(PROBLEM_MEDIA_TYPE):
                    held.append(message)
                    return
            elif held and message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    await _send_as_open311(send, held[0], bytes(body), path, accept)
                return
            await send(message)

        await self.app(scope, receive, rewrite)


async def _send_as_open311(send: Send, start: Message, body: bytes, path: str, accept: str) -> None:
    try:
        problem = json.loads(body)
    except ValueError:
        problem = {}
    status = int(start["status"])
    said = str(problem.get("detail") or problem.get("title") or "request refused")
    answer = open311_error(path, accept, status, said)
    headers = MutableHeaders(raw=list(start["headers"]))
    headers["content-type"] = answer.media_type or "application/json"
    headers["content-length"] = str(len(answer.body))
    await send({"type": "http.response.start", "status": status, "headers": headers.raw})
    await send({"type": "http.response.body", "body": answer.body})
