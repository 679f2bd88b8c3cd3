"""Events published by the identity service on ``identity.events``.

Personal data never travels in clear: fields named ``personal_data`` hold a blob
sealed with :mod:`townhall.runtime.crypto` under the resident's data key (context
``resident/<id>``), which authorised services fetch from identity. Erasing the resident
destroys the key, so the blob becomes unreadable wherever it was copied.
"""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from townhall.schemas.envelope import Sensitivity
from townhall.schemas.events.base import DomainEvent

Channel = Literal["online", "phone", "face_to_face", "email", "letter", "legacy"]

_SOURCE = "/townhall/identity"
_SEALED = (
    "Personal data sealed under the resident's data key (townhall.runtime.crypto, context "
    "'resident/<resident_id>'); unreadable once the resident is erased."
)


class _IdentityEvent(DomainEvent):
    SOURCE: ClassVar[str] = _SOURCE
    DOMAIN: ClassVar[str] = "identity"


class _ResidentEvent(_IdentityEvent):
    resident_id: UUID = Field(description="The resident concerned.")

    @property
    def subject(self) -> str:
        return f"resident/{self.resident_id}"


class _OfficerEvent(_IdentityEvent):
    SENSITIVITY: ClassVar[Sensitivity] = Sensitivity.PUBLIC

    officer_id: UUID = Field(description="The officer concerned.")

    @property
    def subject(self) -> str:
        return f"officer/{self.officer_id}"


class ResidentRegistered(_ResidentEvent):
    """A resident record was created. Carries no personal data in clear."""

    TYPE: ClassVar[str] = "townhall.identity.resident.registered.v1"
    SENSITIVITY: ClassVar[Sensitivity] = Sensitivity.PERSONAL
    SUMMARY: ClassVar[str] = "Registered with the council"

    resident_id: UUID = Field(description="The new resident's id.")
    channel: Channel = Field(description="How the resident came to be registered.")
    personal_data: str | None = Field(default=None, description=_SEALED)


class ResidentDetailsChanged(_ResidentEvent):
    """Names (with former names), date of birth or preferred language changed."""

    TYPE: ClassVar[str] = "townhall.identity.resident.details_changed.v1"
    SUMMARY: ClassVar[str] = "Personal details updated"

    changed: list[str] = Field(description="Names of the fields that changed.")
    personal_data: str = Field(description=_SEALED)


class ResidentMoved(_ResidentEvent):
    """The resident's current address changed; the old one went into the history."""

    TYPE: ClassVar[str] = "townhall.identity.resident.moved.v1"
    SUMMARY: ClassVar[str] = "Address updated"

    personal_data: str = Field(description=_SEALED)


class ResidentContactPointsChanged(_ResidentEvent):
    """An email address or phone number was added, verified or removed."""

    TYPE: ClassVar[str] = "townhall.identity.resident.contact_points_changed.v1"
    SUMMARY: ClassVar[str] = "Contact details updated"

    personal_data: str = Field(description=_SEALED)


class ResidentIdentifierLinked(_ResidentEvent):
    """An identifier held in another system (e.g. a council-tax account) was linked."""

    TYPE: ClassVar[str] = "townhall.identity.resident.identifier_linked.v1"
    SUMMARY: ClassVar[str] = "Record linked to another council system"

    system: str = Field(description="The system that issued the identifier.")
    personal_data: str = Field(description=_SEALED)


class ResidentAssuranceRaised(_ResidentEvent):
    """The level of assurance rose: an officer saw a document, or an email was verified."""

    TYPE: ClassVar[str] = "townhall.identity.resident.assurance_raised.v1"
    SUMMARY: ClassVar[str] = "Identity checked"

    loa: int = Field(ge=0, le=3, description="The new level of assurance.")
    evidence: str = Field(description="Kind of evidence, e.g. passport or verified_email.")
    officer_id: UUID | None = Field(
        default=None, description="The officer who saw it; none for a verified email."
    )


class ResidentErased(_ResidentEvent):
    """The resident's personal data and data key were destroyed (GDPR erasure)."""

    TYPE: ClassVar[str] = "townhall.identity.resident.erased.v1"
    SUMMARY: ClassVar[str] = "Personal data erased"


class ResidentMerged(_ResidentEvent):
    """Two records were the same person. ``resident_id`` survives; ``merged_id`` now
    resolves to it everywhere (follow it: re-key what you hold under the merged id)."""

    TYPE: ClassVar[str] = "townhall.identity.resident.merged.v1"
    SUMMARY: ClassVar[str] = "Duplicate records combined"

    resident_id: UUID = Field(description="The surviving resident id.")
    merged_id: UUID = Field(description="The id merged into it.")


class ResidentUnmerged(_ResidentEvent):
    """A merge was undone: ``unmerged_id`` is a resident of its own again."""

    TYPE: ClassVar[str] = "townhall.identity.resident.unmerged.v1"
    SUMMARY: ClassVar[str] = "Records separated again"

    resident_id: UUID = Field(description="The id that had survived the merge.")
    unmerged_id: UUID = Field(description="The id restored as a separate resident.")


class OneTimeCodeIssued(_ResidentEvent):
    """A one-time code must be delivered; destination and code are sealed."""

    TYPE: ClassVar[str] = "townhall.identity.one_time_code.issued.v1"
    SUMMARY: ClassVar[str] = "Security code sent"

    reference: str = Field(description="The tracking reference the code unlocks.")
    channel: Literal["email", "sms"] = Field(description="How to deliver it.")
    personal_data: str = Field(description=_SEALED)
    language: Literal["en", "cy"] | None = Field(
        default=None,
        description="The language the resident chose where they asked for the code; "
        "None: their own preference (or English).",
    )


class ContactPointAlreadyRegistered(_ResidentEvent):
    """Someone asked to use an email address or phone number that is already this
    resident's: to create an account with it, or to add it to another record. The answer
    they got said nothing of it; the owner is told instead (notifications sends it to the
    address, sealed here, never in clear)."""

    TYPE: ClassVar[str] = "townhall.identity.contact_point.already_registered.v1"
    SUMMARY: ClassVar[str] = "Someone tried to use your contact details"

    resident_id: UUID = Field(description="The resident who holds the contact point.")
    channel: Literal["email", "sms"] = Field(description="How to tell them.")
    attempted: Literal["sign_up", "add_contact_point"] = Field(
        description="What was asked: an account with it, or adding it to another record."
    )
    personal_data: str = Field(
        description=f"{_SEALED} A JSON object with ``destination``: the address or number."
    )


class ConsentGranted(_ResidentEvent):
    """The resident agreed to share their history with a service domain ('*' = all)."""

    TYPE: ClassVar[str] = "townhall.identity.consent.granted.v1"
    SUMMARY: ClassVar[str] = "Consent to share given"

    domain: str = Field(description="A service domain, or '*' for every domain.")


class ConsentWithdrawn(_ResidentEvent):
    """The resident withdrew consent to share with a service domain ('*' = all)."""

    TYPE: ClassVar[str] = "townhall.identity.consent.withdrawn.v1"
    SUMMARY: ClassVar[str] = "Consent to share withdrawn"

    domain: str = Field(description="A service domain, or '*' for every domain.")


class OfficerCreated(_OfficerEvent):
    """An officer account was created (no personal data)."""

    TYPE: ClassVar[str] = "townhall.identity.officer.created.v1"
    SUMMARY: ClassVar[str] = "Officer account created"


class OfficerRoleGranted(_OfficerEvent):
    """An administrator granted (or changed the clearance of) a role."""

    TYPE: ClassVar[str] = "townhall.identity.officer.role_granted.v1"
    SUMMARY: ClassVar[str] = "Officer role granted"

    domain: str = Field(description="The service domain of the role.")
    clearance: Sensitivity = Field(description="The highest sensitivity the role may see.")
    granted_by: UUID = Field(description="The administrator who granted it.")


class OfficerRoleRevoked(_OfficerEvent):
    """An administrator revoked a role."""

    TYPE: ClassVar[str] = "townhall.identity.officer.role_revoked.v1"
    SUMMARY: ClassVar[str] = "Officer role revoked"

    domain: str = Field(description="The service domain of the role.")
    revoked_by: UUID = Field(description="The administrator who revoked it.")
