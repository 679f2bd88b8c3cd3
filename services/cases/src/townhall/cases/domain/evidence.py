"""Evidence: files a resident or an officer adds to a case (standard library only).

A file is recognised by its first bytes, never by its name or the type the browser
declared: a ``.jpg`` that is really an HTML page is refused. Its name is kept as given,
made safe to show and to offer back as a download name.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

#: Content types accepted, each with the bytes its files begin with.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}
ACCEPTED = tuple(SIGNATURES)
#: How many first bytes :func:`sniff` needs.
SNIFF_BYTES = max(len(sig) for sigs in SIGNATURES.values() for sig in sigs)
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
MAX_NAME = 120
_UNSAFE = re.compile(r"[^\w .()+,-]+")


def sniff(head: bytes) -> str | None:
    """The accepted content type ``head`` (a file's first bytes) begins as, if any."""
    for content_type, signatures in SIGNATURES.items():
        if any(head.startswith(sig) for sig in signatures):
            return content_type
    return None


def safe_filename(given: str | None, content_type: str) -> str:
    """The name as given, safe to show and to send back as a download name: no folders,
    no control or quoting characters, at most ``MAX_NAME`` characters; a name left
    empty becomes ``evidence`` with the extension of its type."""
    name = unicodedata.normalize("NFC", given or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" ._")
    if len(name) > MAX_NAME:
        _stem, dot, ext = name.rpartition(".")
        keep = ext if dot and len(ext) <= 8 else ""
        name = name[: MAX_NAME - len(keep) - 1].rstrip(" .") + ("." + keep if keep else "")
    return name or f"evidence{EXTENSIONS.get(content_type, '')}"


@dataclass(frozen=True)
class Evidence:
    """One file added to a case: what cases' database records of it."""

    id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    added_by: str
    created_at: datetime


@dataclass(frozen=True)
class StagedFile:
    """An upload read in full and accepted by type and size, not yet kept."""

    path: Path
    sha256: str
    size_bytes: int
    content_type: str


@dataclass(frozen=True)
class EvidenceLimits:
    """The largest file accepted (bytes) and how many files one case may have."""

    max_bytes: int = 10 * 1024 * 1024
    max_files: int = 10
