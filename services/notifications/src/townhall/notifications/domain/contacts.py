"""How to reach a resident, learnt from identity's events (standard library only).

Identity publishes a resident's contact points, addresses, names and language sealed
in its events; this service keeps only what reaching them needs: an email address, a
mobile number, the current postal address with a name to put on the envelope, and the
language. It is kept sealed under the resident's key, so their erasure shreds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from townhall.notifications.domain.channels import Reach

Directory = dict[str, Any]


def _first(points: list[Mapping[str, Any]], kind: str) -> str | None:
    verified = [p for p in points if p.get("kind") == kind and p.get("verified")]
    any_kind = [p for p in points if p.get("kind") == kind]
    chosen = verified or any_kind
    return str(chosen[0]["value"]) if chosen else None


def _current_address(addresses: list[Mapping[str, Any]]) -> dict[str, Any] | None:
    current = [a for a in addresses if not a.get("moved_out")]
    candidates = current or addresses
    address = candidates[0] if candidates else None
    if not address or not address.get("postcode"):
        return None  # a letter needs a postcode
    parts = ("flat", "house_name", "house_number", "line1", "line2", "town", "postcode")
    return {part: address[part] for part in parts if address.get(part)}


def learn(current: Mapping[str, Any], personal: Mapping[str, Any]) -> Directory:
    """``current`` updated with what an identity event carried (only the parts it has)."""
    known: Directory = dict(current)
    if "contact_points" in personal:
        points = list(personal["contact_points"] or [])
        known["email"], known["phone"] = _first(points, "email"), _first(points, "phone")
    if "addresses" in personal:
        known["address"] = _current_address(list(personal["addresses"] or []))
    if personal.get("names"):
        name = personal["names"][0]
        known["name"] = " ".join(p for p in (name.get("given"), name.get("family")) if p) or None
    if personal.get("preferred_language") in ("en", "cy"):
        known["language"] = personal["preferred_language"]
    return known


def reach(known: Mapping[str, Any]) -> Reach:
    return Reach(
        email=bool(known.get("email")),
        sms=bool(known.get("phone")),
        letter=bool(known.get("address")),
    )


def letter_lines(known: Mapping[str, Any]) -> list[str]:
    """The address as Notify's letter lines: a name first, the postcode last."""
    address = known.get("address") or {}
    first = " ".join(str(address[p]) for p in ("flat", "house_name") if address.get(p))
    street = " ".join(str(address[p]) for p in ("house_number", "line1") if address.get(p))
    lines = [
        known.get("name") or "The occupier",
        first,
        street,
        address.get("line2"),
        address.get("town"),
        address.get("postcode"),
    ]
    return [str(line) for line in lines if line]


def destination(known: Mapping[str, Any], channel: str) -> str | list[str]:
    if channel == "email":
        return str(known["email"])
    if channel == "sms":
        return str(known["phone"])
    return letter_lines(known)
