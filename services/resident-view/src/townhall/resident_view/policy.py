"""Who may see which timeline entries, as a SQL condition applied inside the query.

Residents see their own history. Officers see entries of the domains their roles
cover, up to each role's clearance. (Consent across domains, contact-centre summaries
and officer-internal notes arrive with the resident-view issue.)
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true

from townhall.resident_view.adapters.orm import timeline_entries as t
from townhall.runtime.auth import Principal
from townhall.schemas.envelope import Sensitivity


def visible_to(viewer: Principal, resident_id: str) -> ColumnElement[bool]:
    if viewer.kind == "resident":
        return true() if viewer.subject == resident_id else false()
    if viewer.kind != "officer":
        return false()
    grants = [
        and_(t.c.domain == role.domain, t.c.sensitivity_rank <= Sensitivity(role.clearance).rank)
        for role in viewer.roles
        if role.clearance in Sensitivity.__members__.values()
    ]
    return or_(*grants) if grants else false()
