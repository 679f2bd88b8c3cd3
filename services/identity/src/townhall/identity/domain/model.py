"""The resident aggregate. It records events; the unit of work publishes them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from townhall.identity.domain.commands import RegisterResident
from townhall.identity.domain.events import DomainEvent, ResidentRegistered


@dataclass
class Resident:
    id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: date | None
    email: str | None
    events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def register(cls, command: RegisterResident) -> Resident:
        resident = cls(
            id=uuid.uuid4(),
            given_name=command.given_name,
            family_name=command.family_name,
            date_of_birth=command.date_of_birth,
            email=command.email.lower() if command.email else None,
        )
        resident.events.append(ResidentRegistered(resident.id, command.channel))
        return resident
