"""A request's evidence as its tracking page shows it: the files (each with who added
it, in the resident's terms) and whether to offer "Add evidence" (the type asks for it
and the request is open, as cases' listing says)."""

from __future__ import annotations

from typing import Any

from townhall.web.evidence import Evidence
from townhall.web.i18n import N_
from townhall.web.officer.workspace import Workspace
from townhall.web.upstream import UpstreamError

#: Who added a file and when, in the resident's terms (cases' ``added_by`` for them).
BY_YOU, BY_COUNCIL = N_("Added by you, %(when)s"), N_("Added by the council, %(when)s")


def offered(listing: dict[str, Any] | None) -> bool:
    """Whether the tracking page offers "Add evidence": the type asks for it and the
    request is open."""
    return bool(listing and listing.get("evidence_required") and listing.get("open"))


def added_by(item: dict[str, Any]) -> str:
    """Who added a file (words with ``when`` to fill in), in the resident's terms: only
    a request's own resident adds files as a resident (cases' rule), anyone else is the
    council."""
    return BY_YOU if str(item.get("added_by", "")).startswith("resident:") else BY_COUNCIL


async def on_tracking(workspace: Workspace, token: str, reference: str) -> dict[str, Any] | None:
    """The request's files for its tracking page (each with who added it, in the
    resident's terms) and whether to offer more; None when cases did not say."""
    try:
        listing = await Evidence(workspace.cases.client).files(token, reference)
    except UpstreamError:
        return None
    files = [{**item, "by": added_by(item)} for item in listing["items"]]
    return {"files": files, "offered": offered(listing)}
