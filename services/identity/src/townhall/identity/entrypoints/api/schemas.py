"""Request and response bodies of identity's HTTP API."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from townhall.identity.domain.codes import LIFETIME
from townhall.identity.domain.model import ALL_DOMAINS
from townhall.identity.domain.officers import ADMIN, DOMAINS
from townhall.identity.linkage.record import SUFFIXES
from townhall.runtime.normal_forms import normalise_ni_number, normalise_postcode
from townhall.schemas.envelope import Sensitivity

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Language = Literal["en", "cy"]
Password = Annotated[str, StringConstraints(min_length=12, max_length=256)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Domain = Annotated[str, StringConstraints(pattern=r"^(\*|[a-z][a-z0-9_]{0,63})$")]


def _one_of(values: set[str]) -> str:
    return "^(" + "|".join(re.escape(value) for value in sorted(values)) + ")$"


#: A service domain an officer's role is scoped to.
RoleDomain = Annotated[str, StringConstraints(pattern=_one_of(set(DOMAINS)))]
#: A service domain a resident shares their history with ('*': every domain).
ConsentDomain = Annotated[
    str, StringConstraints(pattern=_one_of((set(DOMAINS) - {ADMIN}) | {ALL_DOMAINS}))
]


def _plausible_birth_date(value: date | None) -> date | None:
    if value is not None and not date(1900, 1, 1) <= value <= date.today():
        raise ValueError("date of birth must be between 1900-01-01 and today")
    return value


def _uk_phone(value: str) -> str:
    compact = re.sub(r"[\s()-]", "", value)
    if compact.startswith("+44"):
        compact = "0" + compact[3:]
    if not re.fullmatch(r"0\d{9,10}", compact):
        raise ValueError("not a UK phone number")
    return compact


Phone = Annotated[str, AfterValidator(_uk_phone)]
Postcode = Annotated[str, AfterValidator(normalise_postcode)]
Uprn = Annotated[str, StringConstraints(pattern=r"^\d{1,12}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterResidentRequest(_Body):
    given_name: Name
    family_name: Name
    date_of_birth: Annotated[date | None, AfterValidator(_plausible_birth_date)] = None
    email: EmailStr | None = None
    phone: Phone | None = None
    preferred_language: Language = "en"
    channel: Literal["online", "phone", "face_to_face", "email", "letter"] = "online"


class ResidentCreated(BaseModel):
    id: UUID


class ChangeNameRequest(_Body):
    given_name: Name
    family_name: Name
    since: date = Field(default_factory=date.today)


class LanguageRequest(_Body):
    language: Language


class MoveRequest(_Body):
    line1: Text
    line2: Text | None = None
    town: Name
    postcode: Postcode
    uprn: Uprn | None = None
    moved_in: date = Field(default_factory=date.today)


class ContactPointRequest(_Body):
    """Exactly one of ``email`` and ``phone``."""

    email: EmailStr | None = None
    phone: Phone | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ContactPointRequest:
        if (self.email is None) == (self.phone is None):
            raise ValueError("give exactly one of email or phone")
        return self


class IdentifierRequest(_Body):
    value: Reference


class AssuranceRequest(_Body):
    loa: int = Field(ge=1, le=3)
    evidence: Literal["passport", "driving_licence", "utility_bill", "council_tax_bill", "other"]


class OfficerLoginRequest(_Body):
    email: EmailStr
    password: Secret


class TokenResponse(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    #: With a sign-in that opens a session: single use, exchanged at ``/auth/refresh``.
    refresh_token: str | None = None
    refresh_expires_in: int | None = None


class RefreshRequest(_Body):
    refresh_token: Secret


class RoleRequest(_Body):
    clearance: Sensitivity


class CreateOfficerRequest(_Body):
    email: EmailStr
    display_name: Name
    password: Password


class OfficerOut(BaseModel):
    id: UUID
    email: str
    display_name: str
    roles: dict[str, str]


class RotatedKey(BaseModel):
    kid: str
    activates_at: str


class DataKeyOut(BaseModel):
    resident_id: UUID
    key: str
    algorithm: str = "A256GCM"
    context: str


class ConsentsOut(BaseModel):
    resident_id: UUID
    domains: list[str]


#: A request's reference as the services that hold requests give it (``PC-2026-000001``).
RequestReference = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")]


class TrackingRequest(_Body):
    """Exactly one of ``email`` and ``phone``. To follow a request, its
    ``request_reference`` and the contact given with it; to report without an account,
    the reporter's name."""

    given_name: Name | None = None
    family_name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    request_reference: RequestReference | None = None
    language: Language | None = Field(
        default=None,
        description="The language to send the code in (the one the resident is using); "
        "by default their own preference, or English.",
    )

    @model_validator(mode="after")
    def _one_contact_and_a_name_to_report(self) -> TrackingRequest:
        if (self.email is None) == (self.phone is None):
            raise ValueError("give exactly one of email or phone")
        if self.request_reference is None and (self.given_name is None or self.family_name is None):
            raise ValueError("give given_name and family_name, or a request_reference")
        return self


class NameRequest(_Body):
    """The request just made with the token of a code to report."""

    request_reference: RequestReference


class CodeSent(BaseModel):
    """A one-time code is on its way (if it can be: the answer is the same either way)."""

    reference: str = Field(
        description="Give it back with the code: at /auth/codes/redeem, or for a contact "
        "point at its /contact-points/verify."
    )
    expires_in: int = Field(description="Seconds the code stays valid.")


def code_sent(reference: str) -> CodeSent:
    return CodeSent(reference=reference, expires_in=int(LIFETIME.total_seconds()))


class RedeemRequest(_Body):
    reference: Annotated[str, StringConstraints(pattern=r"^TH-[0-9A-Z]{8}$")]
    code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]


class ConfirmContactPointRequest(RedeemRequest):
    """The reference adding the contact point answered, and the code sent to it."""


class SignUpRequest(_Body):
    email: EmailStr
    password: Password
    given_name: Name
    family_name: Name
    preferred_language: Language = "en"


class ResidentLoginRequest(_Body):
    email: EmailStr
    password: Secret


def _has_letter(value: str) -> str:
    if not any(ch.isalpha() for ch in value):
        raise ValueError("a name needs at least one letter")
    return value


def _suffix(value: str) -> str:
    normal = SUFFIXES.get(value.strip().strip(".").lower())
    if normal is None:
        raise ValueError("a generation suffix is Jr, Sr, II, III or IV")
    return normal


def _not_in_future(value: date | None) -> date | None:
    if value is not None and value > date.today():
        raise ValueError("a record cannot be true on a date still to come")
    return value


#: How far ahead of identity's clock a source system's clock may run.
CLOCK_SKEW = timedelta(minutes=5)


def _observed_not_ahead(value: datetime | None) -> datetime | None:
    if value is not None and value > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError("a record cannot have been observed at a time still to come")
    return value


def _part(length: int) -> object:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=length)


PersonName = Annotated[str, _part(100), AfterValidator(_has_letter)]
NiNumber = Annotated[str, AfterValidator(normalise_ni_number)]
Initials = Annotated[
    str, _part(20), StringConstraints(pattern=r"^[A-Za-z](?:[\s.]*[A-Za-z])*[\s.]*$")
]
Suffix = Annotated[str, AfterValidator(_suffix)]
BirthDate = Annotated[date | None, AfterValidator(_plausible_birth_date)]


class FormerNameIn(_Body):
    family_name: PersonName
    since: date | None = None
    until: date | None = None


class _AddressParts(_Body):
    """An address as a source system holds it, each part optional and checked."""

    flat: Annotated[str, _part(50)] | None = None
    house_name: Annotated[str, _part(100)] | None = None
    house_number: Annotated[str, _part(20)] | None = None
    address_line: Text | None = None
    town: Name | None = None
    postcode: Postcode | None = None
    uprn: Uprn | None = None

    def has_address(self) -> bool:
        parts = (self.flat, self.house_name, self.house_number, self.address_line, self.town,
                 self.postcode, self.uprn)  # fmt: skip
        return any(parts)


class PreviousAddressIn(_AddressParts):
    """An address the person lived at before the record's own, with the dates they
    lived there if the source knows them. At least one part is needed; each is checked
    as the record's own address is."""

    since: Annotated[date | None, AfterValidator(_not_in_future)] = None
    until: Annotated[date | None, AfterValidator(_not_in_future)] = None

    @model_validator(mode="after")
    def _an_address_in_order(self) -> PreviousAddressIn:
        if not self.has_address():
            raise ValueError("a previous address needs at least one part")
        if self.since and self.until and self.until < self.since:
            raise ValueError("a previous address cannot be left before it was moved into")
        return self


class IncomingRecordRequest(_AddressParts):
    """A record from a source system. A name is needed (a family name; the given name
    may be missing when the source kept only a title or initials); every other field is
    optional, and each is checked: a malformed one is refused, naming it. The address
    is the record's own (`_AddressParts`); ``previous_addresses`` are former ones."""

    system: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    reference: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)
    ]
    title: Annotated[str, _part(20), AfterValidator(_has_letter)] | None = None
    given_name: PersonName | None = None
    initials: Initials | None = None
    middle_names: list[PersonName] = Field(default_factory=list, max_length=5)
    family_name: PersonName
    suffix: Suffix | None = None
    former_family_names: list[FormerNameIn] = Field(default_factory=list, max_length=10)
    date_of_birth: BirthDate = None
    ni_number: NiNumber | None = None
    previous_addresses: list[PreviousAddressIn] = Field(
        default_factory=list,
        max_length=10,
        description="Addresses the person lived at before this one, most recent first (a "
        "moving-in form's previous address, an application's address history): a mover is "
        "recognised at the home they left, and a resident created or linked keeps them as "
        "former addresses.",
    )
    recorded_on: Annotated[
        date | None,
        AfterValidator(_not_in_future),
        Field(description="The date the record was true on: it places the address in time."),
    ] = None
    email: EmailStr | None = None
    phone: Phone | None = None
    observed_at: Annotated[
        AwareDatetime | None,
        AfterValidator(_observed_not_ahead),
        Field(
            description="When the source system recorded the record (a case's submission, "
            "a legacy change's time), with its offset; default: now. A record observed at "
            "or before the erasure of a resident holding its email or phone is answered "
            "`erased` and changes nothing."
        ),
    ] = None


class EvidenceOut(BaseModel):
    """One field of a match: whether it agreed, the comparison level it hit and how
    far it moved the decision (``weight``, log2 of the odds; negative: against)."""

    field: str
    incoming: str | None = None
    agreement: Literal["agree", "similar", "disagree", "missing"]
    level: str | None = None
    weight: float | None = None


class HeldEvidenceOut(EvidenceOut):
    """As shown to an officer: with the value the resident holds."""

    existing: str | None = None


class MatchOut(BaseModel):
    outcome: Literal["linked", "review", "created", "erased", "merged", "separate"] = Field(
        description="`linked` to a resident, waiting for an officer's `review`, a resident "
        "`created`, or `erased`: the record's email or phone was a resident's erased after "
        "the record was observed, so nothing was created or linked and no resident is named. "
        "A decided duplicate item: `merged` (the other resident into `resident_id`) or "
        "`separate` (two people, never merged or asked about again)."
    )
    resident_id: UUID | None = None
    review_id: UUID | None = None
    probability: float | None = Field(
        default=None, description="A link's or a review item's match probability."
    )
    evidence: list[EvidenceOut] = Field(
        default_factory=list,
        description="Field by field, for a link or a review item (the resident's own "
        "values are shown to officers only, at /review-items and /residents/{id}/links).",
    )


class ReviewItemOut(BaseModel):
    """A question for an officer. ``kind`` ``record``: the incoming ``record`` against
    ``resident_id``. ``duplicate``: two residents the duplicate pass was unsure of;
    ``record`` is ``other_resident_id`` as the pass read it, and accepting merges it
    into ``resident_id``. ``status`` ``erased``: closed because a resident it named was
    erased (its record and evidence are gone)."""

    id: UUID
    kind: Literal["record", "duplicate"] = "record"
    status: str
    resident_id: UUID
    other_resident_id: UUID | None = None
    probability: float
    record: dict[str, object]
    evidence: list[dict[str, object]]


class ReviewOutcomeOut(BaseModel):
    """What became of a record sent for review."""

    status: Literal["open", "accepted", "rejected", "erased"] = Field(
        description="`erased`: closed undecided because the resident it was matched "
        "towards was erased; the record was that person's and is gone with them."
    )
    resident_id: UUID | None = Field(
        default=None, description="Once decided: the resident the record is (proposed or new)."
    )


class LinkOut(BaseModel):
    """A source record linked to a resident, who decided and on what evidence."""

    id: UUID
    resident_id: UUID
    system: str
    reference: str
    decided_by: Literal["matcher", "officer"]
    probability: float | None
    evidence: list[HeldEvidenceOut]
    linked_at: datetime
    officer_id: UUID | None = None
    review_id: UUID | None = None


class MergeRequest(_Body):
    merged_id: UUID


ClientId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,63}$")]


class ServiceTokenRequest(_Body):
    grant_type: Literal["client_credentials"]
    client_id: ClientId
    client_secret: Secret


class ServiceClientRequest(_Body):
    client_id: ClientId
    scopes: list[Literal["pii:read", "residents:match"]] = Field(min_length=1)


class ServiceClientCreated(BaseModel):
    client_id: str
    scopes: list[str]
    client_secret: str


class RetrainOut(BaseModel):
    """``started``: a retraining began; ``running``: one asked for earlier still runs."""

    retraining: Literal["started", "running"]
    #: The model serving now (the new one serves once stored; /readyz names it).
    serving: str
