"""A legacy system's mapping file: which tables describe people, which are interactions.

One YAML file per legacy system, written by a council integrator and checked at start-up
twice: its shape (``load``), then against the tables as they are (``check_against``).
Either refuses with ``MappingError`` naming the file and the field::

    system: counciltax
    people:
      accounts:                       # a table whose rows describe people
        name: holder                  # Townhall field: the column that holds it
        date_of_birth: dob
        address: address
        uprn: uprn
    interactions:
      accounts:                       # a table whose changes go on the timeline
        person: {table: accounts, key: [id]}   # columns here holding the person's key
        domain: council_tax
        sensitivity: sensitive
        type: account
        summary:
          created: "Council tax account {id} opened, band {band}"
          updated: "Council tax account {id} changed"
          deleted: "Council tax account {id} closed in the legacy system"
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from townhall.connectors.debezium.envelope import Table
from townhall.schemas.envelope import Sensitivity

PERSON_FIELDS = (
    "name",
    "title",
    "forenames",
    "surname",
    "previous_surname",
    "date_of_birth",
    "address",
    "postcode",
    "uprn",
    "previous_address",
    "previous_postcode",
    "previous_uprn",
    "ni_number",
    "phone",
    "email",
)
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(_Strict):
    """A table whose rows describe people: each Townhall field and the column holding it."""

    key: tuple[str, ...] | None = None
    name: str | None = None
    title: str | None = None
    forenames: str | None = None
    surname: str | None = None
    previous_surname: str | None = None
    date_of_birth: str | None = None
    address: str | None = None
    postcode: str | None = None
    uprn: str | None = None
    previous_address: str | None = None  # the address moved from (a moving-in form's)
    previous_postcode: str | None = None
    previous_uprn: str | None = None
    ni_number: str | None = None
    phone: str | None = None
    email: str | None = None

    def columns(self) -> dict[str, str]:
        """Townhall field -> column, for the fields this table maps."""
        return {field: column for field in PERSON_FIELDS if (column := getattr(self, field))}


class PersonLink(_Strict):
    table: str
    key: tuple[str, ...] = Field(min_length=1)


class Summary(_Strict):
    created: str
    updated: str
    deleted: str = "Closed in the legacy system"


class Interaction(_Strict):
    """A table whose changes become timeline entries for the person they belong to."""

    person: PersonLink
    domain: str = Field(pattern=NAME.pattern)
    sensitivity: Sensitivity
    type: str = Field(pattern=NAME.pattern)
    summary: Summary


class MappingSpec(_Strict):
    system: str = Field(pattern=NAME.pattern)
    people: dict[str, Person] = Field(default_factory=dict)
    interactions: dict[str, Interaction] = Field(default_factory=dict)

    @field_validator("people")
    @classmethod
    def _people_map_something(cls, people: dict[str, Person]) -> dict[str, Person]:
        for table, person in people.items():
            if not person.columns():
                raise ValueError(f"{table} maps no person field ({', '.join(PERSON_FIELDS)})")
        return people


class LegacyMapping:
    """A checked mapping file, with where it came from for every error message."""

    def __init__(self, path: Path, spec: MappingSpec):
        self.path = path
        self.spec = spec

    @property
    def system(self) -> str:
        return self.spec.system

    def error(self, where: str, message: str) -> MappingError:
        return MappingError(f"{self.path}: {where}: {message}")

    def check_against(self, tables: Mapping[str, Table]) -> None:
        """Refuse a mapping that names a table or column the legacy database does not have."""
        for table, person in self.spec.people.items():
            columns = self._columns(tables, f"people.{table}", table)
            for field, column in {**person.columns(), **_key_fields(person.key)}.items():
                if column not in columns:
                    raise self.error(f"people.{table}.{field}", f"{table} has no column {column}")
        for table, interaction in self.spec.interactions.items():
            columns = self._columns(tables, f"interactions.{table}", table)
            link = interaction.person
            if link.table not in self.spec.people:
                raise self.error(
                    f"interactions.{table}.person.table", f"{link.table} is not under people"
                )
            for column in link.key:
                if column not in columns:
                    where = f"interactions.{table}.person.key"
                    raise self.error(where, f"{table} has no column {column}")
            for op in ("created", "updated", "deleted"):
                template = getattr(interaction.summary, op)
                for column in _placeholders(template):
                    if column not in columns:
                        where = f"interactions.{table}.summary.{op}"
                        raise self.error(where, f"{table} has no column {column}")

    def _columns(self, tables: Mapping[str, Table], where: str, table: str) -> set[str]:
        if table not in tables:
            raise self.error(where, f"the legacy database has no table {table}")
        return {column.name for column in tables[table].columns}


def _key_fields(key: tuple[str, ...] | None) -> dict[str, str]:
    return {f"key[{index}]": column for index, column in enumerate(key or ())}


def _placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _where(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(the file)"


def load(path: Path) -> LegacyMapping:
    """Read and validate one mapping file's shape; ``MappingError`` names file and field."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MappingError(f"{path}: cannot be read: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise MappingError(f"{path}: not valid YAML: {error}") from error
    try:
        spec = MappingSpec.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        raise MappingError(f"{path}: {_where(first['loc'])}: {first['msg']}") from error
    for table, interaction in spec.interactions.items():
        for op in ("created", "updated", "deleted"):
            try:
                _placeholders(getattr(interaction.summary, op))
            except ValueError as error:
                where = f"interactions.{table}.summary.{op}"
                raise MappingError(f"{path}: {where}: {error}") from error
    return LegacyMapping(path, spec)


Op = Literal["created", "updated", "deleted"]
