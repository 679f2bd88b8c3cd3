"""The single resident record as the officer's page shows it: (label, value) rows of
what identity lets this officer's role see, current and former names and addresses
apart, the level of assurance, and the services the resident shares their history with.

A value is text, or a list of labels for the page to translate (service areas)."""

from __future__ import annotations

from typing import Any

from townhall.web.i18n import LANGUAGES, N_
from townhall.web.officer.labels import DOMAINS

Row = tuple[str, str | list[str]]
#: What each level of assurance stands on (identity's ``loa``).
ASSURANCE = {
    0: N_("0: nothing verified yet"),
    1: N_("1: an email address or phone number verified"),
    2: N_("2: identity checked against evidence"),
    3: N_("3: identity checked in person"),
}


def _name(name: dict[str, Any]) -> str:
    return f"{name.get('given') or ''} {name.get('family') or ''}".strip()


def _address(address: dict[str, Any]) -> str:
    parts = (
        address.get("flat"),
        address.get("house_name"),
        address.get("house_number"),
        address.get("line1"),
        address.get("line2"),
        address.get("town"),
        address.get("postcode"),
    )
    return ", ".join(str(part) for part in parts if part)


def _until(text: str, until: Any) -> str:
    return f"{text} (→ {until})" if until else text


def record_rows(record: dict[str, Any], consents: list[str] | None) -> list[Row]:
    """The record's rows, each only when identity gave it a value."""
    names = record.get("names") or []
    addresses = record.get("addresses") or []
    loa = record.get("loa")
    rows: list[Row] = [
        (N_("Name"), "; ".join(_name(n) for n in names if not n.get("until"))),
        (
            N_("Former names"),
            "; ".join(_until(_name(n), n["until"]) for n in names if n.get("until")),
        ),
        (N_("Date of birth"), record.get("date_of_birth") or ""),
        (N_("Address"), "; ".join(_address(a) for a in addresses if not a.get("moved_out"))),
        (
            N_("Former addresses"),
            "; ".join(_until(_address(a), a["moved_out"]) for a in addresses if a.get("moved_out")),
        ),
        (
            N_("Contact"),
            "; ".join(str(p.get("value", "")) for p in record.get("contact_points") or []),
        ),
        (
            N_("Other systems"),
            "; ".join(f"{i['system']}: {i['value']}" for i in record.get("identifiers") or []),
        ),
        (N_("Language"), LANGUAGES.get(record.get("preferred_language") or "", "")),
        (N_("Level of assurance"), ASSURANCE.get(loa, "") if isinstance(loa, int) else ""),
    ]
    if consents is not None:
        shared = [DOMAINS.get(code, code) for code in consents]
        rows.append((N_("Shares their history with"), shared or [N_("No other service")]))
    return [(label, value) for label, value in rows if value]
