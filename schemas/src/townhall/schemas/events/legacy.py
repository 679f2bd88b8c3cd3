"""Events published by the legacy mapper on ``legacy.events``.

A legacy system's change captured by a connector (Debezium's envelope, on
``legacy.<system>.<table>``) is read by the mapper (``townhall.connectors.mapper``), which
finds the resident it belongs to through identity and says what happened in Townhall's
terms: one event per resident and change, with the domain, sensitivity and readable
summary the council's mapping file gives the table. A deleted legacy row is an entry
("closed in the legacy system"), never a hole.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from townhall.schemas.envelope import Sensitivity
from townhall.schemas.events.base import DomainEvent


class LegacyEntryRecorded(DomainEvent):
    TYPE: ClassVar[str] = "townhall.legacy.entry.recorded.v1"
    SOURCE: ClassVar[str] = "/townhall/legacy"
    DOMAIN: ClassVar[str] = "legacy"
    SUMMARY: ClassVar[str] = "Change in a legacy system"

    entry_id: UUID = Field(description="Stable per change and resident: a repeat has the same.")
    resident_id: UUID = Field(description="Whose timeline it belongs on.")
    system: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$", description="The legacy system, e.g. counciltax."
    )
    table: str = Field(description="The legacy table the change was made in.")
    legacy_key: str = Field(description="The changed row's key in that table.")
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="The mapping's type, e.g. account.")
    change: Literal["created", "updated", "deleted"] = Field(
        description="What the row went through."
    )
    summary: str = Field(max_length=500, description="How the timeline reads it, from the mapping.")
    occurred_at: datetime | None = Field(
        default=None, description="When the legacy system changed it."
    )
    domain: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$", description="The service area, from the mapping."
    )
    sensitivity: Sensitivity = Field(description="From the mapping.")

    @property
    def subject(self) -> str:
        return f"legacy/{self.system}/{self.table}/{self.legacy_key}"

    def envelope_domain(self) -> str:
        return self.domain

    def envelope_sensitivity(self) -> Sensitivity:
        return self.sensitivity
