"""A request's evidence as its tracking page shows it: the files (each with who added
it, in the resident's terms) and whether to offer "Add evidence" (the type asks for it
and the request is open, as cases' listing says)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from townhall.web.evidence import Evidence
from townhall.web.i18n import N_
from townhall.web.officer.workspace import Workspace
from townhall.web.upstream import UpstreamError

#: The type of cases' event for a file added to a request (any version).
EVIDENCE_ADDED = "townhall.cases.case.evidence_added"
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


async def worth_asking(
    workspace: Workspace, steps: Sequence[Mapping[str, Any]], language: str
) -> bool:
    """Whether cases has anything to show: a file was added (a step says so), or the
    request's type asks for evidence (the kept catalogue says so: then the page may
    offer to add some). Most requests have neither, and their page asks cases nothing."""
    if any(str(step.get("type", "")).startswith(EVIDENCE_ADDED) for step in steps):
        return True
    codes = {
        str(params["service_code"])
        for step in steps
        if isinstance(params := step.get("summary_params"), Mapping) and "service_code" in params
    }
    if not codes:
        return True  # the page cannot tell which type it is: cases can
    try:
        catalogue = await workspace.cases.service_types(None, language)
    except UpstreamError:
        return True
    asks = {str(kind.get("code")) for kind in catalogue if kind.get("evidence_required")}
    return bool(codes & asks)


async def on_tracking(
    workspace: Workspace,
    token: str,
    reference: str,
    steps: Sequence[Mapping[str, Any]] = (),
    language: str = "en",
) -> dict[str, Any] | None:
    """The request's files for its tracking page (each with who added it, in the
    resident's terms) and whether to offer more; None when cases did not say (or was
    not asked: nothing to show)."""
    if steps and not await worth_asking(workspace, steps, language):
        return None
    try:
        listing = await Evidence(workspace.cases.client).files(token, reference)
    except UpstreamError:
        return None
    files = [{**item, "by": added_by(item)} for item in listing["items"]]
    return {"files": files, "offered": offered(listing)}
