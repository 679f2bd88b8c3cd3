"""What callers ask the cases service to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from townhall.cases.domain.evidence import StagedFile


@dataclass(frozen=True)
class Reporter:
    """Who reported it, when they have no resident id (or as well as it)."""

    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Location:
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    uprn: str | None = None
    #: In its normal form ("N1 2AB"): the API and Open311 check it before it gets here.
    postcode: str | None = None

    @property
    def postcode_sector(self) -> str | None:
        """The postcode's outward code and the inward digit ("N1 2"): the area a
        visit goes to, shared by thousands of addresses."""
        return self.postcode[:-2] if self.postcode else None


@dataclass(frozen=True)
class Actor:
    """Who is acting: a resident, an officer, a service, or nobody signed in.

    ``loa`` is a resident's level of assurance (0: a tracking code, good for one request;
    1: an account; 2: verified), as the token says.
    """

    subject: str
    kind: str  # "resident" | "officer" | "service" | "anonymous"
    clearances: dict[str, tuple[str, ...]] = field(default_factory=dict)
    loa: int = 0


@dataclass(frozen=True)
class SubmitCase:
    service_code: str
    details: dict[str, Any]
    channel: str
    actor: Actor
    resident_id: UUID | None = None
    reporter: Reporter = Reporter()
    location: Location | None = None
    description: str = ""
    open311_token: bool = False


@dataclass(frozen=True)
class ConfirmReporter:
    """The resident says a request reported in their name is theirs."""

    reference: str
    actor: Actor


@dataclass(frozen=True)
class ChangeStatus:
    reference: str
    to_status: str
    reason: str
    actor: Actor


@dataclass(frozen=True)
class AssignCase:
    reference: str
    team: str
    officer: str | None
    actor: Actor


@dataclass(frozen=True)
class AddNote:
    reference: str
    text: str
    public: bool
    actor: Actor


@dataclass(frozen=True)
class AdmitEvidence:
    """Before a file is read: may the caller add one to this case now? (Raises if not.)"""

    reference: str
    actor: Actor


@dataclass(frozen=True)
class AddEvidence:
    """Keep a file read and checked by the store (staged) as the case's evidence."""

    reference: str
    filename: str | None
    staged: StagedFile
    actor: Actor


@dataclass(frozen=True)
class RemoveErasedEvidence:
    """Remove from the store the files of erased residents' cases no case still uses."""

    limit: int = 200


@dataclass(frozen=True)
class LogContact:
    resident_id: UUID
    channel: str
    reason: str
    outcome: str
    duration_seconds: int
    actor: Actor
    case_reference: str | None = None


@dataclass(frozen=True)
class RecordPayment:
    """Payments says a case's payment succeeded or failed."""

    case_reference: str
    payment_id: str
    succeeded: bool
    reason: str = ""


@dataclass(frozen=True)
class RecordAppointment:
    """Booking says a case's appointment was confirmed or cancelled."""

    case_reference: str
    appointment_id: str
    confirmed: bool
    starts_at: str | None = None


@dataclass(frozen=True)
class EraseResidentData:
    """Identity erased a resident: blank their personal data in every case of theirs,
    now and in any that arrives later."""

    resident_id: UUID


@dataclass(frozen=True)
class SweepErasures:
    """Blank cases of erased residents that were committed while their erasure was
    being applied (a race between two transactions); normally there are none."""

    limit: int = 200


@dataclass(frozen=True)
class RetryResidentMatches:
    """Ask identity again whose each case is that it could not say at submission,
    waiting ``first_retry_s`` after the first unanswered ask, doubling up to
    ``longest_wait_s`` between two."""

    limit: int = 50
    first_retry_s: float = 2.0
    longest_wait_s: float = 600.0


@dataclass(frozen=True)
class CheckSla:
    """Emit a breach for every open case past its due date (once per case)."""

    limit: int = 200
