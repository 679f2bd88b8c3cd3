"""The embedded evidence store: an upload is refused while it is read (nothing more is
pulled from the request, nothing is left behind), and a kept file is found, read and
removed by its SHA-256, once however often it is kept."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from townhall.cases.adapters.evidence_store import LocalEvidenceStore
from townhall.cases.domain.exceptions import (
    EmptyEvidenceError,
    EvidenceTooLargeError,
    EvidenceTypeError,
)

PDF = b"%PDF-1.7\n" + b"0123456789" * 100


class Upload:
    """A request body in chunks, counting how many were pulled."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.pulled += 1
            yield chunk


def left_behind(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def test_a_kept_file_is_read_back_by_its_digest_and_kept_once(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path)
    first = await store.stage(Upload(PDF[:3], PDF[3:]), limit_bytes=4096)
    await store.keep(first)
    again = await store.stage(Upload(PDF), limit_bytes=4096)
    await store.keep(again)

    digest = hashlib.sha256(PDF).hexdigest()
    assert (first.sha256, first.size_bytes, first.content_type) == (
        digest,
        len(PDF),
        "application/pdf",
    ), "recognised across chunks"
    assert b"".join([chunk async for chunk in store.read(digest)]) == PDF
    assert left_behind(tmp_path) == [tmp_path / digest[:2] / digest]
    await store.remove(digest)
    await store.remove(digest)  # already gone: nothing
    assert not await store.contains(digest)
    assert left_behind(tmp_path) == []


async def test_a_file_over_the_limit_is_refused_while_it_is_read(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path)
    upload = Upload(PDF[:500], PDF[500:], b"x" * 500, b"y" * 500)

    with pytest.raises(EvidenceTooLargeError):
        await store.stage(upload, limit_bytes=1500)  # 1009 bytes, then 1509

    assert upload.pulled == 3, "refused at the chunk that passed the limit"
    assert left_behind(tmp_path) == []


@pytest.mark.parametrize(
    ("chunks", "refusal"),
    [
        ((b"<htm", b"l>hello</html>"), EvidenceTypeError),
        ((b"\x89P",), EvidenceTypeError),
        ((), EmptyEvidenceError),
        ((b"",), EmptyEvidenceError),
    ],
)
async def test_what_is_not_an_accepted_file_is_refused_and_nothing_kept(
    tmp_path: Path, chunks: tuple[bytes, ...], refusal: type[Exception]
) -> None:
    store = LocalEvidenceStore(tmp_path)
    with pytest.raises(refusal):
        await store.stage(Upload(*chunks), limit_bytes=1000)
    assert left_behind(tmp_path) == []


def test_a_digest_names_a_file_in_the_store_and_nothing_else(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path)
    with pytest.raises(ValueError, match="SHA-256"):
        store.path_of("../../etc/passwd")
