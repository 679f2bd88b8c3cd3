"""The officer aggregate: an account with roles scoped to service domains."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from townhall.identity.domain import events
from townhall.identity.domain.exceptions import RoleNotHeldError, UnknownDomainError

ADMIN = "admin"
#: The level of assurance an officer's token carries (a staff account, vetted in person).
OFFICER_LOA = 2
#: Service domains a role may be scoped to ("admin" administers identity itself); every
#: domain of the service catalogue is one (tests/meta/test_meta_domains.py).
DOMAINS = frozenset(
    {
        ADMIN,
        "identity",
        "contact_centre",
        "waste",
        "street_cleaning",
        "environmental_health",
        "pest_control",
        "housing",
        "council_tax",
        "parking",
        "social_care",
        "payments",
        "booking",
        "notifications",
    }
)
#: Mirrors townhall.schemas.envelope.Sensitivity, lowest first (a test keeps them equal).
CLEARANCES = ("public", "personal", "sensitive", "special")


@dataclass
class Officer:
    id: uuid.UUID
    email: str
    display_name: str
    password_hash: str
    roles: dict[str, str] = field(default_factory=dict)
    events: list[events.DomainEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(cls, email: str, display_name: str, password_hash: str) -> Officer:
        officer = cls(uuid.uuid4(), email.strip().lower(), display_name, password_hash)
        officer.events.append(events.OfficerCreated(officer.id))
        return officer

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    def grant(self, domain: str, clearance: str, by: uuid.UUID) -> None:
        if domain not in DOMAINS:
            raise UnknownDomainError(domain)
        if clearance not in CLEARANCES:
            raise ValueError(f"unknown clearance {clearance!r}")
        if self.roles.get(domain) == clearance:
            return
        self.roles[domain] = clearance
        self.events.append(events.OfficerRoleGranted(self.id, domain, clearance, by))

    def revoke(self, domain: str, by: uuid.UUID) -> None:
        if domain not in self.roles:
            raise RoleNotHeldError(domain)
        del self.roles[domain]
        self.events.append(events.OfficerRoleRevoked(self.id, domain, by))
