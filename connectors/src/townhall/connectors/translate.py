"""Change events to what Townhall needs from them, as a legacy system's mapping says.

A change to a people table becomes a ``PersonClaim`` (the fields identity matches on, and
the legacy key it records as the resident's identifier in that system); a change to an
interaction table becomes a ``TimelineEntry`` for the person it belongs to. Deleting a
row is an entry too ("closed in the legacy system"), never a hole. Ids are derived from
the change's position in the source's log, so a change sent twice maps to the same ids
and downstream deduplication drops the copy.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from townhall.connectors.changes import ChangeEvent
from townhall.connectors.mapping import LegacyMapping
from townhall.schemas.envelope import Sensitivity

_NAMESPACE = uuid.UUID("1b0c58b5-7a57-4f0e-9a39-6a3d2f1c0d11")
_VERBS = {"c": "created", "r": "created", "u": "updated", "d": "deleted"}


class UntranslatableError(ValueError):
    """A change the mapping cannot turn into Townhall's terms; says why (dead-lettered)."""


@dataclass(frozen=True)
class PersonClaim:
    id: str
    system: str
    table: str
    legacy_key: str
    fields: Mapping[str, Any]
    closed: bool


@dataclass(frozen=True)
class TimelineEntry:
    id: str
    system: str
    table: str
    legacy_key: str
    person_table: str
    person_key: str
    type: str
    domain: str
    sensitivity: Sensitivity
    summary: str
    occurred_at: datetime | None


Output = PersonClaim | TimelineEntry


def legacy_key(values: Mapping[str, Any], columns: tuple[str, ...]) -> str:
    """A legacy row's key values as one stable string: ``42`` or ``A1|2024``; an
    interaction's person columns give the same string as the person's own key."""
    try:
        return "|".join(str(values[column]) for column in columns)
    except KeyError as missing:
        raise UntranslatableError(f"the row has no key column {missing}") from missing


class Translator:
    """One legacy system's mapping, applied to change events of its tables."""

    def __init__(self, mapping: LegacyMapping):
        self.mapping = mapping

    def translate(self, key: Mapping[str, Any], change: ChangeEvent) -> list[Output]:
        """What ``change`` (whose record key is ``key``) means; [] for an unmapped table."""
        spec, out = self.mapping.spec, list[Output]()
        if change.table in spec.people:
            out.append(self._claim(key, change))
        if change.table in spec.interactions:
            out.append(self._entry(key, change))
        return out

    def _id(self, key: Mapping[str, Any], change: ChangeEvent, kind: str) -> str:
        """Same change, same id: its table, log position and row key (a snapshot reads
        every row at one position), its op, and what it became."""
        row = legacy_key(key, tuple(key))
        name = f"{self.mapping.system}/{change.table}/{change.position}/{row}/{change.op}/{kind}"
        return str(uuid.uuid5(_NAMESPACE, name))

    def _claim(self, key: Mapping[str, Any], change: ChangeEvent) -> PersonClaim:
        person = self.mapping.spec.people[change.table]
        row = change.row
        own_key = legacy_key(row, person.key) if person.key else legacy_key(key, tuple(key))
        fields = {field: row.get(column) for field, column in person.columns().items()}
        return PersonClaim(
            self._id(key, change, "person"),
            self.mapping.system,
            change.table,
            own_key,
            fields,
            closed=change.op == "d",
        )

    def _entry(self, key: Mapping[str, Any], change: ChangeEvent) -> TimelineEntry:
        interaction = self.mapping.spec.interactions[change.table]
        verb = _VERBS[change.op]
        template: str = getattr(interaction.summary, verb)
        try:
            summary = template.format_map(dict(change.row))
        except (KeyError, IndexError, ValueError) as error:
            raise UntranslatableError(
                f"summary.{verb} needs {error} which the row lacks"
            ) from error
        return TimelineEntry(
            id=self._id(key, change, "entry"),
            system=self.mapping.system,
            table=change.table,
            legacy_key=legacy_key(key, tuple(key)),
            person_table=interaction.person.table,
            person_key=legacy_key(change.row, interaction.person.key),
            type=f"townhall.legacy.{self.mapping.system}.{interaction.type}.{verb}.v1",
            domain=interaction.domain,
            sensitivity=interaction.sensitivity,
            summary=summary,
            occurred_at=change.occurred_at,
        )
