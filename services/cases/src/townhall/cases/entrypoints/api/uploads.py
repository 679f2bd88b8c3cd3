"""One file from a ``multipart/form-data`` request body, streamed as it arrives.

FastAPI's ``UploadFile`` reads the whole body before the route runs, with no limit on
a file's size; here the body is parsed chunk by chunk (python-multipart's streaming
parser) and the file's bytes handed on as they come, so the store refuses a file the
moment it passes the limit, and a body far larger than any accepted file is refused
before it is read at all (its ``Content-Length``) or as soon as it is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header

from townhall.cases.domain.exceptions import EvidenceTooLargeError, MalformedUploadError

#: The field the file comes in.
FIELD = "file"
#: What a form may carry beside the file itself (boundaries, headers, small fields).
OVERHEAD_BYTES = 64 * 1024
_HOW = "send one file as multipart/form-data, in a field named 'file'"


class OneFileUpload:
    """The one file in ``request``'s form field ``file``: its name as given (known once
    :meth:`chunks` has started) and its bytes (:meth:`chunks`)."""

    def __init__(self, request: Request, limit_bytes: int):
        self.request = request
        self.limit_bytes = limit_bytes
        self.filename: str | None = None
        self._files = 0
        self._in_file = False
        self._header: tuple[bytearray, bytearray] = (bytearray(), bytearray())
        self._headers: dict[bytes, bytes] = {}
        self._pending: list[bytes] = []

    def check_declared_size(self) -> None:
        """Refuse a body whose declared length is larger than any accepted upload."""
        declared = self.request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit_bytes + OVERHEAD_BYTES:
            raise EvidenceTooLargeError(self.limit_bytes)

    async def chunks(self) -> AsyncIterator[bytes]:
        parser = MultipartParser(self._boundary(), self._callbacks())  # type: ignore[arg-type]
        received = 0
        async for chunk in self.request.stream():
            received += len(chunk)
            if received > self.limit_bytes + OVERHEAD_BYTES:
                raise EvidenceTooLargeError(self.limit_bytes)
            parser.write(chunk)
            for piece in self._pending:
                yield piece
            self._pending.clear()
        parser.finalize()
        if self._files != 1:
            raise MalformedUploadError(_HOW)

    def _boundary(self) -> bytes:
        kind, options = parse_options_header(self.request.headers.get("content-type"))
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise MalformedUploadError(_HOW)
        return boundary

    def _callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begins,
            "on_header_field": lambda d, s, e: self._header[0].extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header[1].extend(d[s:e]),
            "on_header_end": self._header_ends,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_ends,
        }

    def _part_begins(self) -> None:
        self._headers = {}

    def _header_ends(self) -> None:
        name, value = self._header
        self._headers[bytes(name).strip().lower()] = bytes(value).strip()
        self._header = (bytearray(), bytearray())

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if options.get(b"name") != FIELD.encode() or b"filename" not in options:
            return  # another field: ignored (and bounded by the body's limit)
        self._files += 1
        if self._files > 1:
            raise MalformedUploadError(f"one file per request: {_HOW}")
        self._in_file = True
        self.filename = options[b"filename"].decode("utf-8", errors="replace")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._pending.append(bytes(data[start:end]))

    def _part_ends(self) -> None:
        self._in_file = False
