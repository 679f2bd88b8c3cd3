"""Where evidence files live: a small port, and the embedded store on local disk.

Files are content-addressed: a file is kept under its SHA-256, so the same scan added
twice is kept once, and what cases' database records (the digest) names it. An upload
is first *staged*: read from the request into a private file, chunk by chunk, refused
as soon as it is larger than the limit or its first bytes are not an accepted type, so
nothing unbounded is held in memory and nothing refused is kept. Only a staged file
whose case accepted it is *kept*.

:class:`EvidenceStore` is the port. Staging is always local (a temporary file); a
council backing evidence with object storage implements :meth:`~EvidenceStore.keep`,
:meth:`~EvidenceStore.read` and :meth:`~EvidenceStore.remove` against a bucket (one
object per digest), and nothing else changes. :class:`LocalEvidenceStore`, the
embedded default, keeps them in a folder (``EVIDENCE_DIR``).
"""

from __future__ import annotations

import abc
import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO

from townhall.cases.domain.evidence import ACCEPTED, SNIFF_BYTES, StagedFile, sniff
from townhall.cases.domain.exceptions import (
    EmptyEvidenceError,
    EvidenceTooLargeError,
    EvidenceTypeError,
)

CHUNK = 64 * 1024


class EvidenceStore(abc.ABC):
    """Evidence files by their SHA-256; see the module docstring."""

    def __init__(self, staging: Path):
        self.staging = staging

    async def stage(self, chunks: AsyncIterable[bytes], *, limit_bytes: int) -> StagedFile:
        """Read an upload into a staged file; refuse it (and keep nothing) when it is
        empty, larger than ``limit_bytes`` or not an accepted type by its first bytes."""
        await asyncio.to_thread(self.staging.mkdir, parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=self.staging, prefix="upload-")
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                staged = await _copy(chunks, out, path, limit_bytes)
        except BaseException:
            await asyncio.to_thread(path.unlink, missing_ok=True)
            raise
        return staged

    async def discard(self, staged: StagedFile) -> None:
        """Drop a staged file (nothing if it was kept: keeping moves it)."""
        await asyncio.to_thread(staged.path.unlink, missing_ok=True)

    @abc.abstractmethod
    async def keep(self, staged: StagedFile) -> None:
        """Keep a staged file under its digest (already kept: nothing more)."""

    @abc.abstractmethod
    def read(self, sha256: str) -> AsyncIterator[bytes]:
        """The kept file's bytes, in chunks (FileNotFoundError: not kept)."""

    @abc.abstractmethod
    async def remove(self, sha256: str) -> None:
        """Remove the kept file (already gone: nothing)."""

    @abc.abstractmethod
    async def contains(self, sha256: str) -> bool:
        """Whether a file is kept under ``sha256``."""


async def _copy(
    chunks: AsyncIterable[bytes], out: BinaryIO, path: Path, limit_bytes: int
) -> StagedFile:
    digest = hashlib.sha256()
    size = 0
    head = b""
    content_type: str | None = None
    async for chunk in chunks:
        size += len(chunk)
        if size > limit_bytes:
            raise EvidenceTooLargeError(limit_bytes)
        if content_type is None:
            head += chunk[: SNIFF_BYTES - len(head)]
            if len(head) >= SNIFF_BYTES:
                content_type = _accepted(head)
        digest.update(chunk)
        await asyncio.to_thread(out.write, chunk)
    if size == 0:
        raise EmptyEvidenceError()
    content_type = content_type or _accepted(head)
    return StagedFile(path, digest.hexdigest(), size, content_type)


def _accepted(head: bytes) -> str:
    found = sniff(head)
    if found is None:
        raise EvidenceTypeError(ACCEPTED)
    return found


class LocalEvidenceStore(EvidenceStore):
    """The embedded store: ``<root>/<ab>/<abcdef…>`` for each file, staged in
    ``<root>/staging`` (same file system, so keeping is a rename)."""

    def __init__(self, root: Path):
        super().__init__(root / "staging")
        self.root = root

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    async def keep(self, staged: StagedFile) -> None:
        target = self.path_of(staged.sha256)
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(os.replace, staged.path, target)

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(self.path_of(sha256).open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    async def remove(self, sha256: str) -> None:
        await asyncio.to_thread(self.path_of(sha256).unlink, missing_ok=True)

    async def contains(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path_of(sha256).is_file)
