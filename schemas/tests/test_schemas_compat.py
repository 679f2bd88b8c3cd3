"""Backward-compatibility rules for one event version's JSON Schema."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from townhall.schemas.compat import breaking_changes, is_compatible


def changes(old: type[BaseModel], new: type[BaseModel]) -> list[str]:
    return breaking_changes(old.model_json_schema(), new.model_json_schema())


class Reported(BaseModel):
    case_id: UUID
    channel: Literal["online", "phone"]
    note: str | None = None


def test_an_unchanged_schema_is_compatible() -> None:
    assert changes(Reported, Reported) == []


def test_an_additive_optional_field_is_compatible() -> None:
    class WithPriority(Reported):
        priority: int | None = None
        tags: list[str] = Field(default_factory=list)

    assert changes(Reported, WithPriority) == []


def test_descriptions_and_titles_are_free_to_change() -> None:
    class Described(BaseModel):
        case_id: UUID = Field(title="Case", description="The case reported.")
        channel: Literal["online", "phone"] = Field(description="How it came in.")
        note: str | None = None

    assert changes(Reported, Described) == []


def test_removing_a_required_field_is_breaking() -> None:
    class NoChannel(BaseModel):
        case_id: UUID
        note: str | None = None

    assert changes(Reported, NoChannel) == ["required field 'channel' was removed"]


def test_removing_an_optional_field_is_breaking() -> None:
    class NoNote(BaseModel):
        case_id: UUID
        channel: Literal["online", "phone"]

    assert changes(Reported, NoNote) == ["optional field 'note' was removed"]


def test_renaming_a_field_is_a_removal_plus_an_addition() -> None:
    class Renamed(BaseModel):
        case_id: UUID
        contact_channel: Literal["online", "phone"]
        note: str | None = None

    assert changes(Reported, Renamed) == [
        "required field 'channel' was removed",
        "new required field 'contact_channel' was added",
    ]


def test_changing_a_fields_type_is_breaking() -> None:
    class IntegerCase(BaseModel):
        case_id: int
        channel: Literal["online", "phone"]
        note: str | None = None

    assert changes(Reported, IntegerCase) == [
        "field 'case_id' changed type from string to integer",
    ]


def test_removing_a_literal_value_is_breaking() -> None:
    class OnlineOnly(BaseModel):
        case_id: UUID
        channel: Literal["online"]
        note: str | None = None

    assert changes(Reported, OnlineOnly) == ["field 'channel' no longer accepts value(s) \"phone\""]


def test_adding_a_literal_value_is_compatible() -> None:
    class MoreChannels(BaseModel):
        case_id: UUID
        channel: Literal["online", "phone", "letter"]
        note: str | None = None

    assert changes(Reported, MoreChannels) == []


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


class ShorterColour(StrEnum):
    RED = "red"


def test_removing_an_enum_value_behind_a_ref_is_breaking() -> None:
    class Painted(BaseModel):
        colour: Colour

    class Repainted(BaseModel):
        colour: ShorterColour

    assert "$defs" in Painted.model_json_schema()
    assert changes(Painted, Repainted) == ["field 'colour' no longer accepts value(s) \"green\""]


def test_changing_a_format_is_breaking() -> None:
    class Dated(BaseModel):
        case_id: datetime
        channel: Literal["online", "phone"]
        note: str | None = None

    assert changes(Reported, Dated) == ["field 'case_id' changed format from uuid to date-time"]


def test_nullable_becoming_non_nullable_is_breaking() -> None:
    class Nullable(BaseModel):
        reason: str | None

    class NotNullable(BaseModel):
        reason: str

    assert changes(Nullable, NotNullable) == ["field 'reason' is no longer nullable"]
    assert changes(NotNullable, Nullable) == []


def test_an_optional_field_becoming_required_is_breaking() -> None:
    class NoteRequired(BaseModel):
        case_id: UUID
        channel: Literal["online", "phone"]
        note: str | None

    assert changes(Reported, NoteRequired) == ["field 'note' was optional and became required"]


def test_a_new_required_field_is_breaking() -> None:
    class WithPriority(Reported):
        priority: int

    assert changes(Reported, WithPriority) == ["new required field 'priority' was added"]


def test_tightening_a_constraint_is_breaking_and_loosening_is_not() -> None:
    class Short(BaseModel):
        text: str = Field(max_length=100)

    class Shorter(BaseModel):
        text: str = Field(max_length=50)

    assert changes(Short, Shorter) == ["field 'text' tightened maxLength from 100 to 50"]
    assert changes(Shorter, Short) == []


class Address(BaseModel):
    line1: str
    postcode: str


class PostcodelessAddress(BaseModel):
    line1: str


def test_changes_inside_a_nested_model_are_found_through_defs() -> None:
    class Moved(BaseModel):
        addresses: list[Address]

    class MovedWithoutPostcode(BaseModel):
        addresses: list[PostcodelessAddress]

    assert changes(Moved, MovedWithoutPostcode) == [
        "required field 'addresses[].postcode' was removed"
    ]


def test_changing_list_items_type_is_breaking() -> None:
    class Tagged(BaseModel):
        tags: list[str]

    class Numbered(BaseModel):
        tags: list[int]

    assert changes(Tagged, Numbered) == ["field 'tags[]' changed type from string to integer"]


class Node(BaseModel):
    name: str
    children: list[Node] = Field(default_factory=list)


def test_recursive_models_are_compared_without_looping() -> None:
    assert is_compatible(Node.model_json_schema(), Node.model_json_schema())


def test_widening_integer_to_number_is_compatible_and_narrowing_is_not() -> None:
    class Whole(BaseModel):
        amount: int

    class Fractional(BaseModel):
        amount: float

    assert changes(Whole, Fractional) == []
    assert changes(Fractional, Whole) == ["field 'amount' changed type from number to integer"]
