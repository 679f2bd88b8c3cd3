"""Normal forms of the contact details residents give, shared by every service that
stores or compares them (identity's record and matching, resident-view's search)."""

from __future__ import annotations

import re

_POSTCODE = re.compile(
    r"^(?:GIR0AA|(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(text: str) -> str:
    """A UK postcode in upper case with one space before the inward code
    ("sw1a1aa " → "SW1A 1AA"). Raises ValueError when ``text`` is not a valid one."""
    compact = re.sub(r"\s+", "", text).upper()
    if not _POSTCODE.match(compact):
        raise ValueError(f"{text!r} is not a valid UK postcode")
    return f"{compact[:-3]} {compact[-3:]}"


_POSTCODE_AT_END = re.compile(
    r"(?:^|[\s,])([A-Za-z]{1,2}[0-9][A-Za-z0-9]? *[0-9][A-Za-z]{2})[\s.]*$"
)


def postcode_ending(address: str | None) -> str | None:
    """The valid postcode an address ends with, as UK addresses are written, in its
    normal form ("1 High Street, London n1 2ab" → "N1 2AB"); None when it ends with
    none."""
    found = _POSTCODE_AT_END.search(address or "")
    try:
        return normalise_postcode(found[1]) if found else None
    except ValueError:
        return None


def normalise_email(email: str | None) -> str | None:
    """Trimmed and lower-cased; None when blank."""
    return email.strip().lower() if email and email.strip() else None


def normalise_phone(phone: str | None) -> str | None:
    """Digits only, a +44 / 0044 / 44 international prefix folded to a leading 0:
    "+44 7700 900123" → "07700900123"; None when there are no digits."""
    if phone is None:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    for prefix in ("0044", "44"):
        if digits.startswith(prefix) and len(digits) - len(prefix) in (9, 10):
            digits = "0" + digits[len(prefix) :]
            break
    return digits or None


# HMRC's format: two prefix letters (the first never D, F, I, Q, U or V; the second
# never D, F, I, O, Q, U or V), six digits, a suffix letter A to D that older systems
# often leave off. Prefixes BG, GB, KN, NK, NT, TN and ZZ are never issued ("TN" is
# a temporary reference, "ZZ" a placeholder), so a record carrying one says nothing.
# "QQ" is never issued either, but it is HMRC's own example ("QQ 12 34 56 C"): demo and
# test data use it precisely because it can belong to no one, so it is accepted.
_NI_NUMBER = re.compile(r"^(?:[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]|QQ)[0-9]{6}[A-D]?$")
_NI_NEVER_ISSUED = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def normalise_ni_number(text: str) -> str:
    """A National Insurance number without spaces, in upper case, suffix letter kept
    when given ("qq 12 34 56 c" → "QQ123456C"). Raises ValueError when ``text`` is not
    one HMRC could have issued."""
    compact = re.sub(r"[\s-]+", "", text).upper()
    if not _NI_NUMBER.match(compact) or compact[:2] in _NI_NEVER_ISSUED:
        raise ValueError(f"{text!r} is not a valid National Insurance number")
    return compact
