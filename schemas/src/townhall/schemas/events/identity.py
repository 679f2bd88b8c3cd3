"""Events published by the identity service on ``identity.events``."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from townhall.schemas.envelope import Sensitivity
from townhall.schemas.events.base import DomainEvent

Channel = Literal["online", "phone", "face_to_face", "email", "letter", "legacy"]


class ResidentRegistered(DomainEvent):
    """A resident record was created. Carries no personal data: only the id."""

    TYPE: ClassVar[str] = "townhall.identity.resident.registered.v1"
    SOURCE: ClassVar[str] = "/townhall/identity"
    DOMAIN: ClassVar[str] = "identity"
    SENSITIVITY: ClassVar[Sensitivity] = Sensitivity.PERSONAL
    SUMMARY: ClassVar[str] = "Registered with the council"

    resident_id: UUID = Field(description="The new resident's id.")
    channel: Channel = Field(description="How the resident came to be registered.")

    @property
    def subject(self) -> str:
        return f"resident/{self.resident_id}"
