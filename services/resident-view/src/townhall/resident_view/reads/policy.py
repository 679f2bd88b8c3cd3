"""Who may see which timeline entries: one explicit policy, applied inside the query.

The rules, in full:

* A **resident** sees their own history and nobody else's, every entry except
  officer-internal notes (``audience = "officers"``), in detail, with an account
  (level of assurance 1); ``sensitive`` and ``special`` entries only once verified
  (level 2, the access table's ``timeline.sensitive``). Below that level those
  entries are withheld, not summarised (a summary of them would already say too
  much); the reads say that something was withheld, so the resident can verify.
  A tracking token (level 0) sees no history: only the request it names (below).
* An **officer** sees an entry **in detail** when one of their domain roles is for
  the entry's domain with a clearance at least the entry's sensitivity.
* Otherwise an officer sees **the summary only** (what happened, never the data):

  - with a ``contact_centre`` role, any domain up to that role's clearance: the
    contact centre answers residents about everything, so it lawfully needs to know
    what happened, not the details;
  - with the resident's consent to share that domain's history (or all of it) across
    services, up to the highest clearance of the officer's domain roles.

* Special-category entries (``special``) are never shown outside their own domain.
* An officer is told how many of the resident's entries they may not see at all,
  special-category ones left out: outside their domain even the existence of those
  is not disclosed. (Residents are told only that something is withheld, above.)
* Anyone else sees nothing: services, and administrators without a domain role. The
  ``admin`` role administers identity and reads the audits; it is no domain role, so
  it grants no entry, no summary and no clearance.

Searching for residents is for officers with a domain role (never residents or
services); a case reference finds only residents through entries the officer may see.

Tracking one request by its reference shows its entries as the resident sees them
(never officer-internal notes) to the resident it concerns, with an account or with a
tracking token whose ``ref`` names that request: the token must be the resident's own
(its subject owns the request); a ``ref`` alone proves only that someone read one
message, so it opens nobody else's request. Officers see it by the rules above.

:func:`visibility` returns the SQL condition for "detail" and for "summary"; the read
path selects with ``detail OR summary`` and blanks the data where only the summary is
allowed, so the filter runs in the database, never on fetched rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, or_, select

from townhall.resident_view.adapters.orm import consents
from townhall.resident_view.adapters.orm import timeline_entries as t
from townhall.resident_view.reads.access_table import ACCESS, SENSITIVE, TIMELINE, TRACKING
from townhall.runtime.auth import Principal
from townhall.schemas.envelope import Sensitivity

CONTACT_CENTRE = "contact_centre"
#: The administrators' role: identity's own, for the audits; no service domain.
ADMIN = "admin"
OFFICERS_ONLY = "officers"
ALL_DOMAINS = "*"
SPECIAL = Sensitivity.SPECIAL.rank
#: The lowest sensitivity a resident sees only once verified (``timeline.sensitive``).
VERIFIED_ONLY = Sensitivity.SENSITIVE.rank


@dataclass(frozen=True)
class Visibility:
    detail: ColumnElement[bool]
    summary: ColumnElement[bool]
    #: What the viewer would see at a higher level of assurance (None: nothing).
    withheld: ColumnElement[bool] | None = None

    @property
    def any(self) -> ColumnElement[bool]:
        return or_(self.detail, self.summary)


NOTHING = Visibility(false(), false())
_for_residents = t.c.audience != OFFICERS_ONLY
AS_RESIDENT = Visibility(_for_residents, false())
AS_UNVERIFIED_RESIDENT = Visibility(
    and_(_for_residents, t.c.sensitivity_rank < VERIFIED_ONLY),
    false(),
    and_(_for_residents, t.c.sensitivity_rank >= VERIFIED_ONLY),
)


def _rank(clearance: str) -> int | None:
    try:
        return Sensitivity(clearance).rank
    except ValueError:
        return None


def _grants(viewer: Principal) -> list[tuple[str, int]]:
    """The officer's domain roles as (domain, clearance rank): not ``admin``, which is
    no domain, nor a role whose clearance is unknown."""
    if viewer.kind != "officer":
        return []
    grants = [(role.domain, _rank(role.clearance)) for role in viewer.roles]
    return [(domain, rank) for domain, rank in grants if rank is not None and domain != ADMIN]


def is_administrator(viewer: Principal) -> bool:
    """Whether the viewer may read the audits (an officer with the ``admin`` role)."""
    return viewer.kind == "officer" and any(role.domain == ADMIN for role in viewer.roles)


def _resident_sees(viewer: Principal) -> Visibility:
    """A resident's own entries, as their level allows."""
    return AS_RESIDENT if ACCESS.refusal(viewer, SENSITIVE) is None else AS_UNVERIFIED_RESIDENT


def may_view_resident(viewer: Principal, resident_id: str) -> bool:
    """Whether the viewer may ask for this resident's history at all."""
    if viewer.kind == "resident":
        return viewer.subject == resident_id and ACCESS.refusal(viewer, TIMELINE) is None
    return bool(_grants(viewer))


def may_search(viewer: Principal) -> bool:
    """Whether the viewer may search for residents."""
    return bool(_grants(viewer))


def visibility(viewer: Principal, resident_id: str) -> Visibility:
    if not may_view_resident(viewer, resident_id):
        return NOTHING
    if viewer.kind == "resident":
        return _resident_sees(viewer)
    return officer_visibility(viewer)


def officer_visibility(viewer: Principal) -> Visibility:
    """What an officer sees of anyone's entries (for residents, see :func:`visibility`)."""
    grants = _grants(viewer)
    if not grants:
        return NOTHING
    detail = or_(false(), *(and_(t.c.domain == d, t.c.sensitivity_rank <= r) for d, r in grants))
    return Visibility(detail, and_(~detail, _summary(grants)))


def tracking_visibility(viewer: Principal, reference: str, *, owns: bool) -> Visibility:
    """What the viewer sees of the request ``reference``; ``owns``: it is the viewer's
    own (as a resident, or one merged into them)."""
    if viewer.kind == "officer":
        return officer_visibility(viewer)
    if (
        viewer.kind == "resident"
        and owns
        and ACCESS.refusal(viewer, TRACKING, reference=reference) is None
    ):
        return _resident_sees(viewer)
    return NOTHING


def _summary(grants: list[tuple[str, int]]) -> ColumnElement[bool]:
    not_special = t.c.sensitivity_rank < SPECIAL
    contact_centre = [r for d, r in grants if d == CONTACT_CENTRE]
    highest = max(r for _, r in grants)
    consented = exists(
        select(consents.c.resident_id)
        .where(consents.c.generation == t.c.generation)
        .where(consents.c.resident_id == t.c.resident_id)
        .where(consents.c.domain.in_([t.c.domain, ALL_DOMAINS]))
    )
    routes = [and_(consented, t.c.sensitivity_rank <= highest)]
    if contact_centre:
        routes.append(t.c.sensitivity_rank <= max(contact_centre))
    return and_(not_special, or_(*routes))
