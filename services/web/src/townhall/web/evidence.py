"""Evidence files on a request, through cases' API: list them, send one, fetch one.

Cases decides everything (the file's type by its content, its size, how many a request
may have, who may add or read them); web sends each file on as it was uploaded (from
the form's spooled copy, never read whole into memory) and words cases' refusal.
"""

from __future__ import annotations

from typing import IO, Any
from urllib.parse import quote

import httpx
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from townhall.web.upstream import ServiceClient, UnavailableError, UpstreamError, raise_for

#: The problem reasons cases gives for a refused file.
REASONS = ("type", "too_large", "empty", "too_many", "closed", "form")
#: Headers of a file passed on to the browser as cases sent them.
PASSED_ON = ("content-type", "content-length", "content-disposition")


class EvidenceRefusedError(UpstreamError):
    """Cases refused the file; ``kind`` is its reason (see ``REASONS``)."""


def _path(reference: str, *rest: str) -> str:
    return "/".join((f"/cases/{quote(reference, safe='')}/evidence", *rest))


class Evidence:
    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def files(self, token: str, reference: str) -> dict[str, Any]:
        """``items`` (each with ``id``, ``filename``, ``content_type``, ``size_bytes``),
        ``remaining``, ``max_bytes`` and ``accepted``."""
        found: dict[str, Any] = await self.client.call("GET", _path(reference), token=token)
        return found

    async def add(
        self, token: str, reference: str, filename: str, file: IO[bytes], content_type: str
    ) -> dict[str, Any]:
        """Send one file; its record, or :class:`EvidenceRefusedError`."""
        headers = {"Authorization": f"Bearer {token}"}
        files = {"file": (filename, file, content_type or "application/octet-stream")}
        try:
            response = await self.client.http.post(_path(reference), files=files, headers=headers)
        except httpx.HTTPError as exc:
            raise UnavailableError(503, "cases did not answer") from exc
        reason = _reason(response)
        if reason:
            raise EvidenceRefusedError(response.status_code, filename, reason)
        raise_for(response)
        added: dict[str, Any] = response.json()
        return added

    async def download(self, token: str, reference: str, evidence_id: str) -> StreamingResponse:
        """The file as cases serves it, streamed on: always a download, never sniffed."""
        response = await self.opened(token, reference, evidence_id)
        passed = {k: response.headers[k] for k in PASSED_ON if k in response.headers}
        passed["X-Content-Type-Options"] = "nosniff"
        if not passed.get("content-disposition", "").startswith("attachment"):
            passed["content-disposition"] = "attachment"
        return StreamingResponse(
            response.aiter_raw(), headers=passed, background=BackgroundTask(response.aclose)
        )

    async def opened(self, token: str, reference: str, evidence_id: str) -> httpx.Response:
        """Cases' answer with the file, its body not yet read (the caller closes it), or
        :class:`UpstreamError` when cases refuses or does not answer."""
        path = _path(reference, quote(evidence_id, safe=""))
        headers = {"Authorization": f"Bearer {token}"}
        request = self.client.http.build_request("GET", path, headers=headers)
        try:
            response = await self.client.http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise UnavailableError(503, "cases did not answer") from exc
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
            raise_for(response)
        return response


def _reason(response: httpx.Response) -> str:
    """Cases' reason for refusing a file ("" when it did not refuse one)."""
    if response.status_code not in (400, 409, 413, 415, 422):
        return ""
    try:
        body = response.json()
    except ValueError:
        return ""
    reason = body.get("reason") if isinstance(body, dict) else None
    return reason if reason in REASONS else ""
