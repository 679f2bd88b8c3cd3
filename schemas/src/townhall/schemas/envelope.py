"""The CloudEvents 1.0 envelope every Townhall event travels in.

Binary content mode over Kafka: the attributes below travel as ``ce_*`` headers and
``data`` is the JSON message value. Extension attribute names follow the CloudEvents
naming rule (lower-case letters and digits only).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Sensitivity(StrEnum):
    """How careful a viewer must be with an event, lowest first.

    ``public``: could be published (a bin collection was missed in a street).
    ``personal``: ordinary personal data (a resident reported pests).
    ``sensitive``: needs a need-to-know (council-tax discount, arrears).
    ``special``: UK GDPR special-category data (health, social care).
    """

    PUBLIC = "public"
    PERSONAL = "personal"
    SENSITIVE = "sensitive"
    SPECIAL = "special"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {s: i for i, s in enumerate(Sensitivity)}

#: The extension attributes Townhall adds to every event.
EXTENSIONS = ("residentid", "correlationid", "causationid", "sensitivity", "domain", "sequence")


class Envelope(BaseModel):
    """One event as it travels: CloudEvents context attributes plus JSON data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, max_length=128, description="Unique per source; the dedupe key.")
    source: str = Field(min_length=1, description="URI-reference of the producing service.")
    type: str = Field(pattern=r"^[a-z0-9_.-]+\.v[0-9]+$", description="Versioned event type.")
    time: AwareDatetime
    subject: str = Field(min_length=1, description="The aggregate the event is about.")
    datacontenttype: Literal["application/json"] = "application/json"
    residentid: str | None = Field(
        default=None, description="Resident the event concerns; the Kafka key when present."
    )
    correlationid: str = Field(min_length=1, description="Ties together one user journey.")
    causationid: str | None = Field(
        default=None, description="Id of the event or request that caused this."
    )
    sensitivity: Sensitivity
    domain: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$", description="Service area, e.g. pest_control."
    )
    sequence: int = Field(ge=1, description="Gapless per-source sequence number.")
    data: dict[str, Any]

    @property
    def key(self) -> str:
        """Kafka record key: the resident where there is one, else the subject."""
        return self.residentid or self.subject

    def attributes(self) -> dict[str, Any]:
        """Context attributes (everything but data), ready for a binding."""
        return self.model_dump(exclude={"data"}, exclude_none=True, mode="json")

    @staticmethod
    def parse_time(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
