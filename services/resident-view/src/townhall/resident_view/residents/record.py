"""A resident as search sees them: what identity's sealed personal data last said.

Identity's events carry the part of the record that changed (see identity's
``Resident.personal()``): ``names`` (current first, then former), ``date_of_birth``,
``addresses`` (current first), ``contact_points``; an identifier link carries
``value`` (its system travels in clear). :meth:`ResidentRecord.updated` folds one such
part in; the record maps to one ``residents`` row and to its search terms.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from townhall.resident_view.residents import search_keys as keys
from townhall.runtime.names import name_tokens
from townhall.runtime.normal_forms import normalise_email, normalise_phone

Place = tuple[str | None, str | None]  # (postcode, uprn)


@dataclass(frozen=True)
class PersonName:
    given: str
    family: str

    @property
    def words(self) -> tuple[str, ...]:
        return name_tokens(f"{self.given} {self.family}")


@dataclass(frozen=True)
class ResidentRecord:
    resident_id: str
    names: tuple[PersonName, ...] = ()  # current first, then former names
    date_of_birth: date | None = None
    addresses: tuple[Place, ...] = ()  # current first
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()  # (system, value), sorted

    def updated(self, personal: Mapping[str, Any], system: str | None = None) -> ResidentRecord:
        """This record with the personal data of one event folded in."""
        record = self
        if isinstance(names := personal.get("names"), list):
            record = replace(record, names=_names(names))
        if "date_of_birth" in personal:
            record = replace(record, date_of_birth=_date(personal["date_of_birth"]))
        if isinstance(addresses := personal.get("addresses"), list):
            record = replace(record, addresses=_places(addresses))
        if isinstance(points := personal.get("contact_points"), list):
            record = replace(
                record, emails=_points(points, "email"), phones=_points(points, "phone")
            )
        if system and isinstance(value := personal.get("value"), str) and value.strip():
            linked = {**dict(record.identifiers), system: value.strip()}
            record = replace(record, identifiers=tuple(sorted(linked.items())))
        return record

    def row(self, generation: int, updated_at: datetime) -> dict[str, Any]:
        current = self.names[0] if self.names else None
        postcode, uprn = self.addresses[0] if self.addresses else (None, None)
        return {
            "generation": generation,
            "resident_id": self.resident_id,
            "given_name": current.given[:200] if current else None,
            "family_name": current.family[:200] if current else None,
            "former_names": json.dumps([[n.given, n.family] for n in self.names[1:]]),
            "date_of_birth": self.date_of_birth,
            "postcode": postcode,
            "uprn": uprn,
            "former_addresses": json.dumps([list(p) for p in self.addresses[1:]]),
            "emails": json.dumps(list(self.emails)),
            "phones": json.dumps(list(self.phones)),
            "identifiers": json.dumps(dict(self.identifiers), sort_keys=True),
            "updated_at": updated_at,
        }

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ResidentRecord:
        current = [PersonName(row["given_name"] or "", row["family_name"] or "")]
        former = [PersonName(g, f) for g, f in json.loads(row["former_names"])]
        current_place: list[Place] = [(row["postcode"], row["uprn"])]
        former_places: list[Place] = [(p, u) for p, u in json.loads(row["former_addresses"])]
        has_name = row["given_name"] is not None or row["family_name"] is not None
        has_place = row["postcode"] is not None or row["uprn"] is not None
        return cls(
            resident_id=row["resident_id"],
            names=tuple((current if has_name else []) + former),
            date_of_birth=row["date_of_birth"],
            addresses=tuple((current_place if has_place else []) + former_places),
            emails=tuple(json.loads(row["emails"])),
            phones=tuple(json.loads(row["phones"])),
            identifiers=tuple(sorted(json.loads(row["identifiers"]).items())),
        )

    def terms(self) -> set[tuple[str, str]]:
        """(kind, term) pairs under which search finds this resident."""
        words = {word for name in self.names for word in name.words}
        found = {(keys.NAME, term) for term in keys.name_terms(words)}
        if self.date_of_birth:
            found.add((keys.DOB, self.date_of_birth.isoformat()))
        for postcode, uprn in self.addresses:
            if postcode:
                found |= {(keys.POSTCODE, postcode), (keys.DISTRICT, keys.district(postcode))}
            if uprn:
                found.add((keys.UPRN, uprn))
        found |= {(keys.EMAIL, e) for e in self.emails}
        found |= {(keys.PHONE, p) for p in self.phones}
        found |= {(keys.IDENTIFIER, identifier_term(v)) for _, v in self.identifiers}
        return {(kind, term[:200]) for kind, term in found}


def identifier_term(value: str) -> str:
    return "".join(value.split()).upper()


def _names(items: list[Any]) -> tuple[PersonName, ...]:
    names = [
        PersonName(str(item.get("given") or ""), str(item.get("family") or ""))
        for item in items
        if isinstance(item, dict)
    ]
    return tuple(n for n in names if n.given or n.family)


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _places(items: list[Any]) -> tuple[Place, ...]:
    places = [
        (keys.stored_postcode(_text(item.get("postcode"))), keys.uprn(_text(item.get("uprn"))))
        for item in items
        if isinstance(item, dict)
    ]
    return tuple(p for p in places if p != (None, None))


def _points(items: list[Any], kind: str) -> tuple[str, ...]:
    normal = normalise_email if kind == "email" else normalise_phone
    values = [
        normal(_text(item.get("value")))
        for item in items
        if isinstance(item, dict) and item.get("kind") == kind
    ]
    return tuple(dict.fromkeys(v for v in values if v))


def _text(value: object) -> str | None:
    return None if value is None else str(value)
