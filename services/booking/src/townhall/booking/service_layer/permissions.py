"""Whose case is it: the checks the access table leaves to the service.

* its resident (a token whose subject is the case's resident id; a tracking token only
  for the case its ``ref`` names, which the access table checked);
* an officer holding a clearance in the case's service area at least its sensitivity,
  or any role in the contact centre (who book for anyone);
* a service client the table admitted (it holds the booking scope);
* anyone else: answered as if the case did not exist (404), so references cannot be walked.
"""

from __future__ import annotations

from townhall.booking.domain.commands import Actor
from townhall.booking.domain.exceptions import CaseNotKnownError, NotPermittedError
from townhall.booking.domain.model import CaseContext

SENSITIVITIES = ("public", "personal", "sensitive", "special")
CONTACT_CENTRE = "contact_centre"


def _rank(level: str) -> int:
    return SENSITIVITIES.index(level) if level in SENSITIVITIES else len(SENSITIVITIES)


def works(actor: Actor, domain: str, sensitivity: str) -> bool:
    """An officer with a clearance in ``domain`` at least ``sensitivity``."""
    if actor.kind != "officer":
        return False
    return any(_rank(c) >= _rank(sensitivity) for c in actor.clearances.get(domain, ()))


def books_for(actor: Actor, case: CaseContext) -> bool:
    if actor.kind in ("service", "system"):
        return True
    if actor.kind == "officer":
        return bool(actor.clearances.get(CONTACT_CENTRE)) or works(
            actor, case.domain, case.sensitivity
        )
    return actor.kind == "resident" and str(case.resident_id) == actor.subject


def require_booker(actor: Actor, case: CaseContext) -> None:
    """404 unless ``actor`` may book for ``case``."""
    if not books_for(actor, case):
        raise CaseNotKnownError(case.reference)


def require_area_officer(actor: Actor, domain: str, sensitivity: str) -> None:
    if not works(actor, domain, sensitivity):
        raise NotPermittedError(f"needs an officer role in {domain} with {sensitivity} clearance")
