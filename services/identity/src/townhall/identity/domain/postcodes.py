"""UK postcodes: validation and the normal form ("sw1a1aa " → "SW1A 1AA")."""

from __future__ import annotations

import re

_POSTCODE = re.compile(
    r"^(?:GIR0AA|(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(text: str) -> str:
    """The postcode in upper case with one space before the inward code.

    Raises ValueError when ``text`` is not a UK postcode in a valid format.
    """
    compact = re.sub(r"\s+", "", text).upper()
    if not _POSTCODE.match(compact):
        raise ValueError(f"{text!r} is not a valid UK postcode")
    return f"{compact[:-3]} {compact[-3:]}"
