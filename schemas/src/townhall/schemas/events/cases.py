"""Events published by the cases service on ``cases.events``.

Service types come from configuration, so a case event's ``domain`` (pest_control,
parking…) and ``sensitivity`` are those of its type: each event carries them as fields
and the envelope takes them from there (``envelope_domain``/``envelope_sensitivity``).

What people write about a resident is sealed. Topics are append-only, so free text an
erasure must reach cannot travel in clear: on a case with a ``resident_id``, the free
text fields an event lists in ``SEALED_FIELDS`` (update and note ``text``, status change
``reason``, attachment and evidence ``filename``) travel in ``sealed``, a blob sealed with
``townhall.runtime.crypto`` under the resident's data key (context
``resident/<resident_id>``) holding a JSON object of those fields, and the clear fields
are blank. Consumers with scope ``pii:read`` fetch the key from identity and open it;
erasing the resident destroys the key, so the text becomes unreadable in every copy.

Where a visit goes is personal too: a full postcode names a street, often a few homes,
and a UPRN names one property, so beside a ``resident_id`` they say where the resident
lives, for as long as the topic keeps the event. ``case.submitted`` therefore carries
``postcode_sector`` in clear (the outward code and the inward digit, ``N1 2``: thousands
of addresses, and all that a service deciding which crew covers the area needs), and
the full ``postcode`` and the ``uprn`` only sealed, as above. Unlike free text they are
never published in clear: an unmatched case, or one whose resident was already erased,
carries the sector alone.

Limits: an unmatched case (no ``resident_id``: an anonymous report identity could not
match) has no key to seal under, so its text travels in clear, as before; it is about no
known resident, and erasure of a resident matched later cannot reach what was already
published. A case whose resident was already erased (no key any more) publishes those
fields blank with no ``sealed``. Who assigned, posted or attached (``officer:<id>``,
``resident:<id>``) and a case's ``team`` and ``officer`` are the council's own
identifiers, not the resident's personal data: they travel in clear.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from townhall.schemas.envelope import Sensitivity
from townhall.schemas.events.base import DomainEvent

Status = Literal[
    "submitted",
    "triaged",
    "awaiting_payment",
    "scheduled",
    "in_progress",
    "resolved",
    "closed",
    "cancelled",
    "rejected",
]
CaseChannel = Literal["online", "phone", "face_to_face", "email", "webchat", "letter", "open311"]
ContactChannel = Literal["phone", "face_to_face", "email", "webchat", "letter"]


class _ServiceAreaEvent(DomainEvent):
    """An event whose domain and sensitivity are its service type's."""

    SOURCE: ClassVar[str] = "/townhall/cases"
    DOMAIN: ClassVar[str] = "cases"

    domain: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="The service area.")
    sensitivity: Sensitivity = Field(description="How sensitive the service type is.")

    def envelope_domain(self) -> str:
        return self.domain

    def envelope_sensitivity(self) -> Sensitivity:
        return self.sensitivity


def _sealed(*fields: str) -> str:
    listed = ", ".join(f"``{name}``" for name in fields)
    return (
        f"{listed} sealed under the resident's data key (townhall.runtime.crypto, context "
        "'resident/<resident_id>'): a JSON object of those fields. When present, those "
        "fields are blank here. Absent when the case has no resident_id (an unmatched "
        "case's text stays in clear), when the text is empty, and when the resident was "
        "already erased (then the fields are blank). Unreadable once the resident is erased."
    )


class _CaseEvent(_ServiceAreaEvent):
    #: The free-text fields that travel in ``sealed`` on a case with a resident.
    SEALED_FIELDS: ClassVar[tuple[str, ...]] = ()
    #: Of those, the ones published blank rather than in clear when there is no key.
    NEVER_CLEAR: ClassVar[tuple[str, ...]] = ()

    case_id: UUID = Field(description="The case's id.")
    reference: str = Field(description="The human-friendly reference, e.g. PC-2026-000123.")
    service_code: str = Field(description="The service type, e.g. pest_control.")
    resident_id: UUID | None = Field(
        default=None, description="The resident, once known (absent while unmatched)."
    )

    @property
    def subject(self) -> str:
        return f"case/{self.reference}"


class CaseSubmitted(_CaseEvent):
    """A case was opened, by a resident, an officer on their behalf, or through Open311."""

    TYPE: ClassVar[str] = "townhall.cases.case.submitted.v1"
    SUMMARY: ClassVar[str] = "Request submitted"
    SEALED_FIELDS: ClassVar[tuple[str, ...]] = ("postcode", "uprn")
    #: Sealed or absent: never in clear, even on a case without a resident.
    NEVER_CLEAR: ClassVar[tuple[str, ...]] = ("postcode", "uprn")

    status: Status
    channel: CaseChannel
    submitted_by: Literal["resident", "officer", "service", "anonymous"]
    due_at: datetime = Field(description="When the service level agreement falls due.")
    fee_pence: int | None = Field(default=None, description="The fee to pay, if any.")
    reporter_claimed: bool = Field(
        default=False,
        description=(
            "True when who reported it is only what the reporter said: an anonymous "
            "reporter's name and email or phone, matched to ``resident_id`` by identity "
            "but not proven. The timeline shows it as reported by someone giving that "
            "name until the resident confirms it (``case.reporter_confirmed``)."
        ),
    )
    raised_by: str | None = Field(
        default=None,
        description=(
            "Who raised it: ``officer:<id>`` when an officer took it from the resident "
            "(assisted digital, through ``channel``), ``resident:<id>`` when the resident "
            "did it themselves, ``service:<client>`` for a service client (Open311 "
            "included), ``anonymous`` when nobody was signed in. Absent from events "
            "published before it existed: read ``submitted_by`` then."
        ),
    )
    postcode_sector: str | None = Field(
        default=None,
        pattern=r"^[A-Z0-9]{2,4} [0-9]$",
        examples=["N1 2"],
        description=(
            "Where the request is, coarsely: the postcode's outward code and the inward "
            "digit (``N1 2`` for N1 2AB), in clear. Shared by thousands of addresses, so "
            "it does not point at a home; it is what booking needs to find the crews "
            "covering the area. Absent when no postcode was given, and from events "
            "published before it existed."
        ),
    )
    postcode: str | None = Field(
        default=None,
        description=(
            "The full postcode (``N1 2AB``): never in clear here, always null; present "
            "only inside ``sealed``, on a case with a resident whose key could seal it."
        ),
    )
    uprn: str | None = Field(
        default=None,
        description=(
            "The property's UPRN: never in clear here, always null; present only inside "
            "``sealed``, like ``postcode``."
        ),
    )
    service_names: dict[Literal["en", "cy"], str] | None = Field(
        default=None,
        examples=[{"en": "Pest control", "cy": "Rheoli plâu"}],
        description=(
            "The service type's name in each language the council's catalogue gives it, "
            "in clear (public words, as the catalogue shows them), so a consumer writing "
            "to the resident names the service in their language without asking cases. "
            "Absent from events published before it existed."
        ),
    )
    sealed: str | None = Field(
        default=None,
        description=(
            "``postcode`` and ``uprn`` (those given) sealed under the resident's data key "
            "(townhall.runtime.crypto, context 'resident/<resident_id>'): a JSON object of "
            "those fields. Absent when neither was given, when the case has no "
            "resident_id and when the resident was already erased: then they are not "
            "published at all. Unreadable once the resident is erased."
        ),
    )


class CaseReporterConfirmed(_CaseEvent):
    """The resident confirmed that a request reported in their name was theirs."""

    TYPE: ClassVar[str] = "townhall.cases.case.reporter_confirmed.v1"
    SUMMARY: ClassVar[str] = "You confirmed this request is yours"

    confirmed_by: str = Field(description="resident:<id>, or officer:<id> on their behalf.")


class CaseResidentMatched(_CaseEvent):
    """Identity matched a case's reporter to a resident after the case was submitted.

    When identity cannot answer at submission (restarting, unreachable), cases records
    the case without a resident and asks again, with backoff, until identity answers.
    This event carries the case as it stands then, so it reaches the resident's timeline
    and tracking; every later event about the case carries ``resident_id``. Like a
    claimed ``case.submitted``, who reported it is only what the reporter said until
    the resident confirms it (``case.reporter_confirmed``).
    """

    TYPE: ClassVar[str] = "townhall.cases.case.resident_matched.v1"
    SUMMARY: ClassVar[str] = "Request matched to you"

    resident_id: UUID = Field(description="The resident identity matched the reporter to.")
    status: Status = Field(description="The case's status when it was matched.")
    channel: CaseChannel
    submitted_at: datetime = Field(description="When the case was submitted.")
    due_at: datetime = Field(description="When the service level agreement falls due.")
    fee_pence: int | None = Field(default=None, description="The fee to pay, if any.")
    reporter_claimed: Literal[True] = Field(
        default=True,
        description="Always true: matched from what the reporter said, not proven.",
    )


#: The events that bring a request to its resident: its submission, or its match after
#: it. Either may be only a claim (``reporter_claimed``) until the resident confirms it.
#: A case reference as cases makes it: the type's prefix, the year, a number of at least
#: six digits (``PC-2026-000123``). Every service that takes one checks this form.
CASE_REFERENCE_PATTERN = r"^[A-Z]{2,4}-[0-9]{4}-[0-9]{6,9}$"

REPORT_TYPES = frozenset({CaseSubmitted.TYPE, CaseResidentMatched.TYPE})


class CaseStatusChanged(_CaseEvent):
    TYPE: ClassVar[str] = "townhall.cases.case.status_changed.v1"
    SUMMARY: ClassVar[str] = "Request status changed"
    SEALED_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)

    from_status: Status
    to_status: Status
    reason: str = Field(
        default="",
        description=(
            "Why, in words the resident may read; blank when it is in ``sealed``. A change "
            "the system makes (``changed_by`` system:…) gives the council's fixed words in "
            "clear."
        ),
    )
    changed_by: str = Field(description="officer:<id>, resident:<id>, or system:<cause>.")
    sealed: str | None = Field(default=None, description=_sealed("reason"))
    reason_code: str | None = Field(
        default=None,
        description=(
            "When cases wrote the reason itself (never an officer's words): what it says, "
            "as a code a front door words in the resident's language: ``fee_due``, "
            "``payment_received``, ``appointment_booked``, ``appointment_cancelled``. "
            "Not personal: in clear. Absent: show ``reason``."
        ),
    )
    reason_params: dict[str, int | str] | None = Field(
        default=None,
        description=(
            "The facts of ``reason_code``: ``amount_pence`` (fee_due), ``starts_at`` "
            "(appointment_booked, ISO 8601, when known). Not personal: in clear."
        ),
    )


class CaseAssigned(_CaseEvent):
    """A team (and maybe an officer) took the case on. Nothing here is sealed: the team's
    name and the officer's id are the council's, not the resident's personal data."""

    TYPE: ClassVar[str] = "townhall.cases.case.assigned.v1"
    SUMMARY: ClassVar[str] = "Request assigned"

    team: str
    officer: str | None = None
    assigned_by: str


class CaseUpdatePosted(_CaseEvent):
    """A public update on the case: the resident sees it."""

    TYPE: ClassVar[str] = "townhall.cases.case.update_posted.v1"
    SUMMARY: ClassVar[str] = "Update on your request"
    SEALED_FIELDS: ClassVar[tuple[str, ...]] = ("text",)

    note_id: UUID
    text: str = Field(description="The update; blank when it is in ``sealed``.")
    author: str
    sealed: str | None = Field(default=None, description=_sealed("text"))
    text_code: str | None = Field(
        default=None,
        description=(
            "When cases wrote the update itself (never an officer's words): what it says, "
            "as a code a front door words in the resident's language: ``payment_failed``. "
            "Not personal: in clear, even when ``text`` is sealed. Absent: show the text."
        ),
    )


class CaseInternalNoteAdded(_CaseEvent):
    """An officer-internal note: never shown to the resident."""

    TYPE: ClassVar[str] = "townhall.cases.case.internal_note_added.v1"
    SUMMARY: ClassVar[str] = "Internal note added"
    SEALED_FIELDS: ClassVar[tuple[str, ...]] = ("text",)

    note_id: UUID
    text: str = Field(description="The note; blank when it is in ``sealed``.")
    author: str
    visibility: Literal["internal"] = "internal"
    sealed: str | None = Field(default=None, description=_sealed("text"))


class CaseAttachmentAdded(_CaseEvent):
    """An attachment's metadata (the file itself was kept elsewhere).

    Retired: cases no longer publishes it (its ``POST /cases/{reference}/attachments``,
    which recorded a file's details only, is gone; files are kept and published as
    ``case.evidence_added.v1``). The contract stays so that events already on the topic
    are still read: consumers keep handling it.
    """

    TYPE: ClassVar[str] = "townhall.cases.case.attachment_added.v1"
    SUMMARY: ClassVar[str] = "Attachment added"
    SEALED_FIELDS: ClassVar[tuple[str, ...]] = ("filename",)

    attachment_id: UUID
    filename: str = Field(
        description="The file's name as the resident gave it; blank when it is in ``sealed``."
    )
    content_type: str
    size_bytes: int = Field(ge=0)
    added_by: str
    sealed: str | None = Field(default=None, description=_sealed("filename"))


class CaseEvidenceAdded(_CaseEvent):
    """A file of evidence (a photo, a scan) was added to the case and is kept by cases.

    Metadata only: the file stays in cases' store, served to those who may read the
    case. Its name as given and its SHA-256 travel sealed under the resident's data key
    (a file's digest is enough to confirm a copy of a personal document)."""

    TYPE: ClassVar[str] = "townhall.cases.case.evidence_added.v1"
    SUMMARY: ClassVar[str] = "Evidence added"
    SEALED_FIELDS: ClassVar[tuple[str, ...]] = ("filename", "sha256")

    evidence_id: UUID
    filename: str = Field(
        description="The file's name as given (sanitised); blank when it is in ``sealed``."
    )
    content_type: str = Field(
        description="The type its content was recognised as by its first bytes "
        "(``image/jpeg``, ``image/png``, ``application/pdf``), never the name or the "
        "declared type."
    )
    size_bytes: int = Field(ge=1)
    sha256: str = Field(description="The content's SHA-256 (hex); blank when it is in ``sealed``.")
    added_by: str
    sealed: str | None = Field(default=None, description=_sealed("filename", "sha256"))


class CaseSlaBreached(_CaseEvent):
    """The case passed its SLA due date while still open. Emitted once per case."""

    TYPE: ClassVar[str] = "townhall.cases.case.sla_breached.v1"
    SUMMARY: ClassVar[str] = "Request overdue"

    status: Status
    due_at: datetime
    breached_at: datetime


class ContactLogged(_ServiceAreaEvent):
    """An officer logged a contact with a resident (assisted digital)."""

    TYPE: ClassVar[str] = "townhall.cases.contact.logged.v1"
    SUMMARY: ClassVar[str] = "Contacted the council"

    contact_id: UUID
    resident_id: UUID
    case_id: UUID | None = None
    case_reference: str | None = None
    channel: ContactChannel
    reason: str
    outcome: str
    duration_seconds: int = Field(ge=0)
    failure_demand: bool = Field(
        description="True when the contact only chased progress on an open case."
    )
    officer: str

    @property
    def subject(self) -> str:
        return f"contact/{self.contact_id}"
