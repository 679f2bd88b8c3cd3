"""Who may see which timeline entries: one explicit policy, applied inside the query.

The rules, in full:

* A **resident** sees their own history and nobody else's, every entry except
  officer-internal notes (``audience = "officers"``), in detail.
* An **officer** sees an entry **in detail** when one of their roles is for the entry's
  domain with a clearance at least the entry's sensitivity.
* Otherwise an officer sees **the summary only** (what happened, never the data):

  - with a ``contact_centre`` role, any domain up to that role's clearance: the
    contact centre answers residents about everything, so it lawfully needs to know
    what happened, not the details;
  - with the resident's consent to share that domain's history (or all of it) across
    services, up to the highest clearance the officer holds.

* Special-category entries (``special``) are never shown outside their own domain.
* Anyone else (services, administrators without a domain role) sees nothing.

Searching for residents is for officers with a role (never residents or services);
a case reference finds only residents through entries the officer may see.

Tracking one request by its reference shows its entries as the resident sees them
(never officer-internal notes) to the resident it concerns and to whoever holds a
token for that reference (the ``ref`` claim identity puts in a token redeemed with
the one-time code); officers see it by the rules above.

:func:`visibility` returns the SQL condition for "detail" and for "summary"; the read
path selects with ``detail OR summary`` and blanks the data where only the summary is
allowed, so the filter runs in the database, never on fetched rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, or_, select

from townhall.resident_view.adapters.orm import consents
from townhall.resident_view.adapters.orm import timeline_entries as t
from townhall.runtime.auth import Principal
from townhall.schemas.envelope import Sensitivity

CONTACT_CENTRE = "contact_centre"
OFFICERS_ONLY = "officers"
ALL_DOMAINS = "*"
SPECIAL = Sensitivity.SPECIAL.rank


@dataclass(frozen=True)
class Visibility:
    detail: ColumnElement[bool]
    summary: ColumnElement[bool]

    @property
    def any(self) -> ColumnElement[bool]:
        return or_(self.detail, self.summary)


NOTHING = Visibility(false(), false())
AS_RESIDENT = Visibility(t.c.audience != OFFICERS_ONLY, false())


def _rank(clearance: str) -> int | None:
    try:
        return Sensitivity(clearance).rank
    except ValueError:
        return None


def _grants(viewer: Principal) -> list[tuple[str, int]]:
    grants = [(role.domain, _rank(role.clearance)) for role in viewer.roles]
    return [(domain, rank) for domain, rank in grants if rank is not None]


def may_view_resident(viewer: Principal, resident_id: str) -> bool:
    """Whether the viewer may ask for this resident's history at all."""
    if viewer.kind == "resident":
        return viewer.subject == resident_id
    return viewer.kind == "officer" and bool(_grants(viewer))


def may_search(viewer: Principal) -> bool:
    """Whether the viewer may search for residents."""
    return viewer.kind == "officer" and bool(_grants(viewer))


def visibility(viewer: Principal, resident_id: str) -> Visibility:
    if not may_view_resident(viewer, resident_id):
        return NOTHING
    if viewer.kind == "resident":
        return AS_RESIDENT
    return officer_visibility(viewer)


def officer_visibility(viewer: Principal) -> Visibility:
    """What an officer sees of anyone's entries (for residents, see :func:`visibility`)."""
    grants = _grants(viewer)
    if viewer.kind != "officer" or not grants:
        return NOTHING
    detail = or_(false(), *(and_(t.c.domain == d, t.c.sensitivity_rank <= r) for d, r in grants))
    return Visibility(detail, and_(~detail, _summary(grants)))


def tracking_visibility(viewer: Principal, reference: str, *, owns: bool) -> Visibility:
    """What the viewer sees of the request ``reference``; ``owns``: it is the viewer's
    own (as a resident, or one merged into them)."""
    if viewer.kind == "officer":
        return officer_visibility(viewer)
    if viewer.kind == "resident" and (owns or viewer.claims.get("ref") == reference):
        return AS_RESIDENT
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
