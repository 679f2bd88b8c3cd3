"""Who may do what to a case: the checks the access table leaves to the service.

The table (``entrypoints/api/access_table.py``) admits a kind of caller at a level of
assurance; here: whether this case is the caller's to see at all, and in what role.

* an officer holding a clearance in the type's domain, at least the type's sensitivity,
  works it and sees all of it;
* a service client the table admitted (with the read scope) reads it as its resident;
* its resident, at ``ACCOUNT`` (``VERIFIED`` for special-category types), sees their
  case; below that (a tracking token) only its status and public updates, and only for
  types that are trackable (public, personal);
* a case matched to them only by what an unproven reporter said (a claim) is not yet
  their own: until they confirm it, they see what a tracking token sees and may only
  confirm it;
* anyone else does not see it: answered as if it did not exist (404).

Assisted digital: an officer holding a contact-centre role (any clearance) raises a
request of any type on a resident's behalf, and logs contacts against any case. That
is all the role gives: they take down what the resident tells them and get back a
reference. Seeing, moving, assigning and noting the case stay with the officers of its
area, so to them it answers as to any other officer outside it (404).
"""

from __future__ import annotations

import uuid
from typing import Literal

from townhall.cases.domain.catalogue import SENSITIVITIES, ServiceType
from townhall.cases.domain.commands import Actor
from townhall.cases.domain.contacts import CONTACT_DOMAIN
from townhall.cases.domain.exceptions import CaseNotFoundError, NotPermittedError
from townhall.cases.domain.model import Case
from townhall.runtime.access import ACCOUNT, VERIFIED

#: Sensitivities whose status a tracking token may follow.
TRACKABLE = ("public", "personal")
Audience = Literal["officer", "service", "resident", "claimant", "tracker"]


def _rank(level: str) -> int:
    return SENSITIVITIES.index(level) if level in SENSITIVITIES else -1


def may_work(actor: Actor, domain: str, sensitivity: str) -> bool:
    """An officer holding a clearance in ``domain`` at least as high as ``sensitivity``."""
    if actor.kind != "officer":
        return False
    return any(_rank(c) >= _rank(sensitivity) for c in actor.clearances.get(domain, ()))


def require_officer(actor: Actor, service_type: ServiceType) -> None:
    if not may_work(actor, service_type.domain, service_type.sensitivity):
        raise NotPermittedError(
            f"needs an officer role in {service_type.domain} "
            f"with {service_type.sensitivity} clearance"
        )


def takes_contacts(actor: Actor) -> bool:
    """An officer of the contact centre (at any clearance)."""
    return actor.kind == "officer" and bool(actor.clearances.get(CONTACT_DOMAIN))


def require_raiser(actor: Actor, service_type: ServiceType) -> None:
    """An officer raising a request: of its area, or of the contact centre."""
    if not (
        takes_contacts(actor) or may_work(actor, service_type.domain, service_type.sensitivity)
    ):
        raise NotPermittedError(
            f"needs an officer role in {CONTACT_DOMAIN}, or in {service_type.domain} "
            f"with {service_type.sensitivity} clearance"
        )


def resident_level(service_type: ServiceType) -> int:
    """The level of assurance a resident needs to see their case of this type in full."""
    return VERIFIED if service_type.sensitivity == "special" else ACCOUNT


def audience(
    actor: Actor,
    service_type: ServiceType,
    resident_id: uuid.UUID | None,
    *,
    claim_pending: bool = False,
) -> Audience | None:
    """As whom ``actor`` sees a case of ``service_type`` (None: not theirs to see)."""
    if may_work(actor, service_type.domain, service_type.sensitivity):
        return "officer"
    if actor.kind == "service":
        return "service"
    if actor.kind != "resident" or resident_id is None or str(resident_id) != actor.subject:
        return None
    if actor.loa >= resident_level(service_type):
        return "claimant" if claim_pending else "resident"
    return "tracker" if service_type.sensitivity in TRACKABLE else None


def require_visible(actor: Actor, case: Case) -> Audience:
    """The caller's audience of ``case``; 404 when it is not theirs to see."""
    found = audience(actor, case.service_type, case.resident_id, claim_pending=case.claim_pending)
    if found is None:
        raise CaseNotFoundError(case.reference)
    return found


def resident_id_of(actor: Actor) -> uuid.UUID:
    try:
        return uuid.UUID(actor.subject)
    except ValueError:
        raise NotPermittedError("the resident token's subject is not a resident id") from None


def actor_label(actor: Actor) -> str:
    return f"{actor.kind}:{actor.subject}"
