"""What happened to cases and contacts, as the domain sees it (standard library only)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class CaseEvent:
    case_id: UUID
    reference: str
    service_code: str
    domain: str
    sensitivity: str
    resident_id: UUID | None


@dataclass(frozen=True)
class CaseSubmitted(CaseEvent):
    status: str
    channel: str
    submitted_by: str
    due_at: datetime
    fee_pence: int | None
    #: Who reported it is only what they said (matched by identity, not proven).
    reporter_claimed: bool = False
    #: Who raised it: ``officer:<id>`` (assisted digital), ``resident:<id>``,
    #: ``service:<client>`` or ``anonymous``.
    raised_by: str | None = None
    #: Where the visit would go: the postcode's sector in clear; the full postcode and
    #: the UPRN only sealed (see ``townhall.schemas.events.cases``).
    postcode_sector: str | None = None
    postcode: str | None = None
    uprn: str | None = None
    #: The type's name in each language the catalogue gives (public words, in clear).
    service_names: Mapping[str, str] | None = None


@dataclass(frozen=True)
class CaseReporterConfirmed(CaseEvent):
    """The resident confirmed a request reported in their name is theirs."""

    confirmed_by: str


@dataclass(frozen=True)
class CaseResidentMatched(CaseEvent):
    """Identity matched the reporter to a resident after the case was submitted (it could
    not answer then): the case, as it stands now, reaches that resident's timeline."""

    status: str
    channel: str
    submitted_at: datetime
    due_at: datetime
    fee_pence: int | None
    #: Always true: who reported it is only what they said, matched by identity.
    reporter_claimed: bool = True


@dataclass(frozen=True)
class CaseStatusChanged(CaseEvent):
    from_status: str
    to_status: str
    reason: str
    changed_by: str
    #: When cases wrote the reason itself (not an officer): what it says, as a stable
    #: code and its facts, so a front door words it in the resident's language.
    reason_code: str | None = None
    reason_params: dict[str, int | str] | None = None


@dataclass(frozen=True)
class CaseAssigned(CaseEvent):
    team: str
    officer: str | None
    assigned_by: str


@dataclass(frozen=True)
class CaseUpdatePosted(CaseEvent):
    """A public update: the resident sees it."""

    note_id: UUID
    text: str
    author: str
    #: When cases wrote the update itself (not an officer): what it says, as a code.
    text_code: str | None = None


@dataclass(frozen=True)
class CaseInternalNoteAdded(CaseEvent):
    """An officer-internal note: never shown to the resident."""

    note_id: UUID
    text: str
    author: str


@dataclass(frozen=True)
class CaseEvidenceAdded(CaseEvent):
    """A file of evidence was added, and cases keeps it."""

    evidence_id: UUID
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    added_by: str


@dataclass(frozen=True)
class CaseSlaBreached(CaseEvent):
    status: str
    due_at: datetime
    breached_at: datetime


@dataclass(frozen=True)
class ContactLogged:
    contact_id: UUID
    resident_id: UUID
    case_id: UUID | None
    case_reference: str | None
    domain: str
    sensitivity: str
    channel: str
    reason: str
    outcome: str
    duration_seconds: int
    failure_demand: bool
    officer: str


DomainEvent = CaseEvent | ContactLogged
