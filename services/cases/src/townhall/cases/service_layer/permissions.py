"""Who may do what to a case: officers need a clearance in the type's domain."""

from __future__ import annotations

import uuid

from townhall.cases.domain.catalogue import SENSITIVITIES, ServiceType
from townhall.cases.domain.commands import Actor
from townhall.cases.domain.exceptions import NotPermittedError
from townhall.cases.domain.model import Case


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


def is_owner(actor: Actor, case: Case) -> bool:
    return (
        actor.kind == "resident"
        and case.resident_id is not None
        and (str(case.resident_id) == actor.subject)
    )


def resident_id_of(actor: Actor) -> uuid.UUID:
    try:
        return uuid.UUID(actor.subject)
    except ValueError:
        raise NotPermittedError("the resident token's subject is not a resident id") from None


def actor_label(actor: Actor) -> str:
    return f"{actor.kind}:{actor.subject}"
