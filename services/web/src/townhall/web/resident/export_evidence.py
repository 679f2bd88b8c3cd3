"""The evidence in a resident's subject access export, and the zip it comes in.

While the export is prepared, each of the resident's requests' files is listed as cases
lists them to the resident: name, type, size, when, and who added it in their terms
("you", or "the council" for an officer, whose reference cases does not give them).
The files themselves are not held here: when the resident downloads the export, each is
streamed from cases with their own token straight into the zip (``evidence/<reference>/
<name>``), and the data (``my-data.json``) is written last, so a file cases did not give
then is named in its ``incomplete`` (``evidence_files``) and its entry's ``file`` is
null. Nothing is written to disk and no file is held whole in memory.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import httpx

from townhall.web.evidence import Evidence
from townhall.web.sessions import ExportFile
from townhall.web.upstream import UpstreamError

DATA_NAME = "my-data.json"
#: Named in ``incomplete`` when a file could not be put in the zip.
FILES_MISSING = "evidence_files"


async def listed(
    evidence: Evidence, token: str, requests: Iterable[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Each request's files (by reference), as the export's data writes them."""
    held: dict[str, list[dict[str, Any]]] = {}
    for case in requests:
        reference = str(case["reference"])
        listing = await evidence.files(token, reference)
        taken: set[str] = set()
        held[reference] = [_entry(reference, item, taken) for item in listing["items"]]
    return held


def _entry(reference: str, item: dict[str, Any], taken: set[str]) -> dict[str, Any]:
    given = name = str(item["filename"])
    number = 1
    while name in taken:  # two files of one name: the later ones numbered
        number += 1
        name = f"{number}-{given}"
    taken.add(name)
    yours = str(item.get("added_by", "")).startswith("resident:")
    return {
        "id": str(item["id"]),
        "filename": item["filename"],
        "content_type": item["content_type"],
        "size_bytes": item["size_bytes"],
        "added_at": item["created_at"],
        "added_by": "you" if yours else "the council",
        "file": f"evidence/{reference}/{name}",
    }


def files_of(held: dict[str, list[dict[str, Any]]] | None) -> list[ExportFile]:
    """The files the zip will hold, from the data's evidence."""
    return [
        ExportFile(reference, entry["id"], entry["file"], int(entry["size_bytes"]))
        for reference, entries in (held or {}).items()
        for entry in entries
    ]


class _Sink:
    """Where the zip is written: handed on in pieces as it grows (the zip is written
    for a stream, never seeking back)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0

    def write(self, data: bytes, /) -> int:
        self._parts.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def take(self) -> bytes:
        taken = b"".join(self._parts)
        self._parts.clear()
        return taken


def _member(path: str, compress_type: int) -> zipfile.ZipInfo:
    member = zipfile.ZipInfo(path, date_time=datetime.now(UTC).timetuple()[:6])
    member.compress_type = compress_type
    return member


async def zipped(
    content: bytes,
    files: Iterable[ExportFile],
    fetch: Callable[[ExportFile], Awaitable[httpx.Response]],
) -> AsyncIterator[bytes]:
    """The export as a zip, in pieces: each file as ``fetch`` streams it from cases
    (stored as it is: JPEG, PNG and PDF are compressed already), then the data."""
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w")
    missing: list[str] = []
    for held in files:
        try:
            response = await fetch(held)
        except UpstreamError:
            missing.append(held.path)
            continue
        try:
            with archive.open(_member(held.path, zipfile.ZIP_STORED), "w") as entry:
                async for chunk in response.aiter_bytes():
                    entry.write(chunk)
                    if piece := sink.take():
                        yield piece
        except httpx.HTTPError:
            missing.append(held.path)
        finally:
            await response.aclose()
    archive.writestr(_member(DATA_NAME, zipfile.ZIP_DEFLATED), _noting(content, missing))
    archive.close()
    yield sink.take()


def _noting(content: bytes, missing: list[str]) -> bytes:
    """The data, saying which files the zip does not hold in full."""
    if not missing:
        return content
    held = json.loads(content)
    for entries in (held.get("evidence") or {}).values():
        for entry in entries:
            if entry["file"] in missing:
                entry["file"] = None
    held["incomplete"] = [*held["incomplete"], FILES_MISSING]
    return json.dumps(held, indent=2, ensure_ascii=False).encode()
