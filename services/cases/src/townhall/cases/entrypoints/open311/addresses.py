"""Where an Open311 request is, beyond GeoReport v2's own fields: its postcode.

GeoReport v2 has no postcode field. A client may send ``attribute[postcode]``; else a
UK address names it last ("1 High Street, London N1 2AB"). Cases keeps it, so booking
need not ask the resident for it again.
"""

from __future__ import annotations

from townhall.runtime.normal_forms import normalise_postcode, postcode_ending

Fields = list[tuple[str, str]]
Problems = list[tuple[str, str]]


def postcode_of(fields: Fields, given: dict[str, list[str]], problems: Problems) -> str | None:
    """``attribute[postcode]`` when sent (a bad one is a problem named as sent), else a
    valid postcode ending ``address_string``; None when there is neither."""
    sent = next(iter(given.get("postcode", [])), None)
    if sent is not None:
        try:
            return normalise_postcode(sent)
        except ValueError:
            problems.append(("attribute[postcode]", f"{sent[:40]!r} is not a UK postcode"))
            return None
    address = next((v.strip() for k, v in fields if k == "address_string"), None)
    return postcode_ending(address)
