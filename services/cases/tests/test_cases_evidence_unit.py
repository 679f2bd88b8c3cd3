"""Evidence in the domain: a file is recognised by its first bytes, and its name is made
safe to show and to offer back as a download name."""

from __future__ import annotations

import pytest

from townhall.cases.domain.evidence import MAX_NAME, safe_filename, sniff


@pytest.mark.parametrize(
    ("head", "recognised"),
    [
        (b"\xff\xd8\xff\xe1\x00\x18Exif", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"%PDF-1.4\n", "application/pdf"),
        (b"GIF89a\x01\x00", None),
        (b"<svg xmlns=", None),
        (b"PK\x03\x04", None),
        (b"", None),
    ],
)
def test_a_file_is_recognised_by_its_first_bytes_alone(head: bytes, recognised: str | None) -> None:
    assert sniff(head) == recognised


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("kitchen.jpg", "kitchen.jpg"),
        ("C:\\Users\\pat\\lease.pdf", "lease.pdf"),
        ("../../etc/passwd.png", "passwd.png"),
        ('say "hi"\r\n.png', "say _hi_.png"),
        ("Côte d'Azur.png", "Côte d_Azur.png"),
        ("", "evidence.png"),
        ("...", "evidence.png"),
    ],
)
def test_a_name_is_kept_without_folders_or_unsafe_characters(given: str, kept: str) -> None:
    assert safe_filename(given, "image/png") == kept


def test_a_long_name_keeps_its_extension() -> None:
    kept = safe_filename("a" * 300 + ".pdf", "application/pdf")
    assert len(kept) <= MAX_NAME and kept.endswith(".pdf")
