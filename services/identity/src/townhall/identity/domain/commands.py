"""What callers ask identity to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class RegisterResident:
    given_name: str
    family_name: str
    channel: str
    date_of_birth: date | None = None
    email: str | None = None
    phone: str | None = None
    preferred_language: str = "en"


@dataclass(frozen=True)
class ChangeName:
    resident_id: uuid.UUID
    given_name: str
    family_name: str
    since: date


@dataclass(frozen=True)
class SetPreferredLanguage:
    resident_id: uuid.UUID
    language: str


@dataclass(frozen=True)
class MoveResident:
    resident_id: uuid.UUID
    line1: str
    line2: str | None
    town: str
    postcode: str
    uprn: str | None
    moved_in: date


@dataclass(frozen=True)
class AddContactPoint:
    resident_id: uuid.UUID
    kind: str
    value: str


@dataclass(frozen=True)
class RequestContactPoint:
    """A resident asks to add an email or phone to their own record: a code goes there
    first, and the contact point is stored only when they confirm it."""

    resident_id: uuid.UUID
    kind: str
    value: str


@dataclass(frozen=True)
class ConfirmContactPoint:
    """The resident gives back the code :class:`RequestContactPoint` sent."""

    resident_id: uuid.UUID
    reference: str
    code: str = field(repr=False)
    client_address: str = "unknown"


@dataclass(frozen=True)
class LinkIdentifier:
    resident_id: uuid.UUID
    system: str
    value: str


@dataclass(frozen=True)
class RaiseAssurance:
    resident_id: uuid.UUID
    loa: int
    evidence: str
    officer_id: uuid.UUID


@dataclass(frozen=True)
class EraseResident:
    resident_id: uuid.UUID


@dataclass(frozen=True)
class ChangeConsent:
    resident_id: uuid.UUID
    domain: str
    granted: bool


@dataclass(frozen=True)
class CreateOfficer:
    email: str
    display_name: str
    password: str = field(repr=False)
    roles: tuple[tuple[str, str], ...] = ()
    created_by: uuid.UUID | None = None


@dataclass(frozen=True)
class GrantRole:
    officer_id: uuid.UUID
    domain: str
    clearance: str
    actor: uuid.UUID


@dataclass(frozen=True)
class RevokeRole:
    officer_id: uuid.UUID
    domain: str
    actor: uuid.UUID


@dataclass(frozen=True)
class AuthenticateOfficer:
    email: str
    password: str = field(repr=False)
    #: Where the attempt came from: failures delay that address, not the account.
    client_address: str = "unknown"


@dataclass(frozen=True)
class StartTracking:
    """Act without an account: a code sent to a contact, to report (a new resident's
    name needed) or to follow the request ``request_reference`` names."""

    given_name: str | None
    family_name: str | None
    email: str | None = None
    phone: str | None = None
    request_reference: str | None = None
    #: The language to send the code in (None: the resident's own preference).
    language: str | None = None


@dataclass(frozen=True)
class SignUp:
    email: str
    password: str = field(repr=False)
    given_name: str = ""
    family_name: str = ""
    preferred_language: str = "en"


@dataclass(frozen=True)
class RedeemCode:
    reference: str
    code: str = field(repr=False)
    client_address: str = "unknown"


@dataclass(frozen=True)
class NameReportedRequest:
    """The request a resident has just made with the token of a code to report
    (``code_reference``: that code, from the token's ``rpt`` claim): a token for it."""

    resident_id: uuid.UUID
    code_reference: str
    request_reference: str


@dataclass(frozen=True)
class AuthenticateResident:
    email: str
    password: str = field(repr=False)
    client_address: str = "unknown"


@dataclass(frozen=True)
class DecideReview:
    review_id: uuid.UUID
    accept: bool
    officer_id: uuid.UUID


@dataclass(frozen=True)
class SettleReview:
    """Match a record waiting for an officer again; if the engine is now sure, do what
    it would do with the record (link it or create a resident) and close the item."""

    review_id: uuid.UUID


@dataclass(frozen=True)
class MergeResidents:
    survivor_id: uuid.UUID
    merged_id: uuid.UUID


@dataclass(frozen=True)
class AskAboutDuplicate:
    """Put two residents the duplicate pass was unsure of to an officer: ``other_id``
    would merge into ``survivor_id``. ``record`` is the other resident as the pass read
    it; ``evidence`` the comparison field by field (JSON-ready)."""

    survivor_id: uuid.UUID
    other_id: uuid.UUID
    probability: float
    record: dict[str, Any] = field(hash=False)
    evidence: tuple[dict[str, Any], ...] = field(hash=False)


@dataclass(frozen=True)
class UnmergeResidents:
    survivor_id: uuid.UUID
    merged_id: uuid.UUID


@dataclass(frozen=True)
class StartSession:
    """Open a refresh-token family for someone who has just signed in."""

    kind: str
    subject_id: uuid.UUID


@dataclass(frozen=True)
class RefreshSession:
    token: str = field(repr=False)
    #: Where the request came from: failed refreshes delay that address.
    client_address: str = "unknown"


@dataclass(frozen=True)
class EndSession:
    token: str = field(repr=False)


@dataclass(frozen=True)
class RevokeOfficerSessions:
    officer_id: uuid.UUID
    actor: uuid.UUID
