"""Request and response bodies of the cases HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from townhall.runtime.normal_forms import normalise_postcode
from townhall.schemas.events.cases import CASE_REFERENCE_PATTERN, Status

#: A case's reference, e.g. ``PC-2026-000123`` (prefix, year, number).
REFERENCE_PATTERN = CASE_REFERENCE_PATTERN
Reference = Annotated[str, StringConstraints(pattern=REFERENCE_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Postcode = Annotated[str, AfterValidator(normalise_postcode)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()-]{6,20}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReporterIn(_Body):
    given_name: Name | None = None
    family_name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None


class LocationIn(_Body):
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    uprn: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,12}$")] | None = Field(
        default=None, description="The property's Unique Property Reference Number."
    )
    postcode: Postcode | None = Field(
        default=None,
        description=(
            "The property's UK postcode, any case and spacing (``n12ab``); kept in its "
            "normal form (``N1 2AB``). A visit is booked for its area without asking it "
            "again. 422 when it is not a valid UK postcode, and nothing is saved."
        ),
    )


class SubmitCaseRequest(_Body):
    service_code: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    details: dict[str, Any] = Field(default_factory=dict)
    description: Annotated[str, StringConstraints(max_length=4000)] = ""
    reporter: ReporterIn = Field(default_factory=ReporterIn)
    location: LocationIn | None = None
    resident_id: UUID | None = Field(
        default=None,
        description=(
            "Officers and service clients: on whose behalf. Refused (403) from residents, "
            "whose requests are their own, and from anonymous callers, whose reporter "
            "details are matched by identity as a claim."
        ),
    )
    channel: Literal["online", "phone", "face_to_face", "email", "webchat", "letter"] = Field(
        default="online",
        description=(
            "How the request reached the council. Residents and anonymous reporters: "
            "online. Officers raising it on a resident's behalf: the channel the resident "
            "used (phone, face_to_face, email, webchat, letter), required. Service "
            "clients: any."
        ),
    )


class CaseCreated(BaseModel):
    id: UUID
    reference: str


class TransitionRequest(_Body):
    to: Status
    reason: Annotated[str, StringConstraints(max_length=1000)] = ""


class AssignmentRequest(_Body):
    team: Name
    officer: Name | None = None


class NoteRequest(_Body):
    text: Text


class Created(BaseModel):
    id: UUID


class EvidenceOut(BaseModel):
    """A file of evidence on a case (download it from ``href``)."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    filename: str = Field(description="The name given with it, made safe (no folders).")
    content_type: str = Field(description="As recognised from its first bytes.")
    size_bytes: int
    sha256: str
    added_by: str = Field(
        description="``resident:<id>``, or for an officer their reference (to officers "
        "and services) or ``council`` (to the resident)."
    )
    created_at: datetime
    href: str


class EvidenceList(BaseModel):
    items: list[EvidenceOut]
    #: How many more files the case may take, and the largest accepted (bytes).
    remaining: int
    max_bytes: int
    accepted: list[str]
    evidence_required: bool = Field(
        description="Whether the request's type asks for evidence (its catalogue entry)."
    )
    open: bool = Field(
        description="Whether the request is open: its resident may add files only then."
    )


class StatusOut(BaseModel):
    reference: str
    status: str


class UpdateOut(BaseModel):
    text: str
    author: str
    created_at: datetime
    public: bool


class CaseOut(BaseModel):
    """A case as its viewer may see it; officer-only fields are None for residents."""

    reference: str
    service_code: str
    service_name: str
    status: str
    submitted_at: datetime
    updated_at: datetime
    due_at: datetime
    allowed_transitions: list[str]
    updates: list[UpdateOut]
    details: dict[str, Any] | None = None
    description: str | None = None
    resident_id: UUID | None = None
    team: str | None = None
    officer: str | None = None
    breached_at: datetime | None = None
    reporter_claimed: bool = Field(
        description="Who reported it is only what the reporter said, matched by identity."
    )
    reporter_confirmed_at: datetime | None = Field(
        default=None, description="When its resident confirmed the claim."
    )


class ReporterConfirmed(BaseModel):
    reference: str
    confirmed_at: datetime


class LogContactRequest(_Body):
    resident_id: UUID
    case_reference: Reference | None = None
    channel: Literal["phone", "face_to_face", "email", "webchat", "letter"]
    reason: Literal[
        "new_request", "progress_chase", "complaint", "information", "payment", "booking", "other"
    ]
    outcome: Literal[
        "resolved", "case_created", "case_updated", "referred", "callback", "no_action"
    ]
    duration_seconds: int = Field(ge=0, le=24 * 3600)


class ServiceTypeOut(BaseModel):
    code: str
    name: str
    description: str
    domain: str
    sensitivity: str
    fee_pence: int | None
    booking: bool
    evidence_required: bool
    location_required: bool
    sla_hours: float
    states: list[str]
    form: dict[str, Any] = Field(
        description="The JSON Schema of the details; each question's ``title`` and each "
        "closed choice's words (``x-choices``: value -> words) in ``language``."
    )
    language: Literal["en", "cy"] = Field(
        default="en", description="The language of name, description and the form's words."
    )
