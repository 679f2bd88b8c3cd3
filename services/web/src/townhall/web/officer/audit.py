"""For administrators: who read which resident's history and why, and every search and
tracking look-up, narrowed by dates, officer, resident and purpose, page by page. A
resident's page links here for their access log (the reads of their history)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from html import escape
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from townhall.web.forms import COUNCIL_TIME, Checked, _day
from townhall.web.i18n import N_
from townhall.web.officer.dependencies import ClientAddress, OfficerSession, WorkspaceDep
from townhall.web.upstream import RefusedError

router = APIRouter(prefix="/officer", include_in_schema=False)
PAGE_SIZE = 25
#: What the audit page shows: resident-view's audit and, for look-ups, its action.
SHOWN = {
    "reads": ("", None),
    "searches": ("lookups", "search"),
    "tracking": ("lookups", "tracking"),
}
FIELDS = ("show", "from", "to", "officer", "resident", "purpose", "page")


def audit_filters(query: Mapping[str, str]) -> Checked:
    """The audit's filters, checked; ``criteria`` are resident-view's query parameters."""
    checked = Checked({name: str(query.get(name, "")).strip() for name in FIELDS})
    v = checked.values
    v["show"] = v["show"] or "reads"
    if v["show"] not in SHOWN:
        checked.error("show", N_("Choose what to show from the list"))
    _dates(checked)
    if v["resident"]:
        try:
            checked.criteria.append(("resident_id", str(uuid.UUID(v["resident"]))))
        except ValueError:
            checked.error("resident", N_("Enter a resident's reference as the audit shows it"))
    if len(v["officer"]) > 200:
        checked.error("officer", N_("Enter an officer's reference as the audit shows it"))
    elif v["officer"]:
        checked.criteria.append(("viewer", v["officer"]))
    if len(v["purpose"]) > 200:
        checked.error("purpose", N_("Enter 200 characters or fewer"))
    elif v["purpose"]:
        checked.criteria.append(("purpose", v["purpose"]))
    if v["page"] and not (v["page"].isdigit() and 1 <= int(v["page"]) <= 1000):
        checked.error("page", N_("Choose a page from the links"))
    return checked


def _dates(checked: Checked) -> None:
    v = checked.values
    start, end = _day(v["from"]), _day(v["to"])
    for name, day in (("from", start), ("to", end)):
        if v[name] and day is None:
            checked.error(name, N_("Enter a real date, like 2026-11-27"))
    if start and end and end < start:
        checked.error("to", N_("The end date must be on or after the start date"))
    if start:
        checked.criteria.append(
            ("since", datetime.combine(start, time(), COUNCIL_TIME).isoformat())
        )
    if end:
        after = datetime.combine(end + timedelta(days=1), time(), COUNCIL_TIME)
        checked.criteria.append(("until", after.isoformat()))


def _page_link(checked: Checked, page: int) -> str:
    kept = [(k, v) for k, v in checked.values.items() if v and k != "page"]
    return f"/officer/audit?{urlencode([*kept, ('page', str(page))])}"


def _linked(row: dict[str, object]) -> dict[str, object]:
    """A read's resident, as a link to the reads of their history."""
    resident = str(row.get("resident_id") or "")
    href = f"/officer/audit?{urlencode({'resident': resident})}"
    return {
        **row,
        "resident_link": f'<a class="govuk-link" href="{escape(href)}">{escape(resident)}</a>',
    }


@router.get("/audit")
async def audit(
    request: Request, workspace: WorkspaceDep, session: OfficerSession, client: ClientAddress
) -> Response:
    """resident-view's audits, newest first (it refuses non-administrators); a mistake in
    the filters shows the error summary and asks resident-view for nothing."""
    if session.officer is None or not session.officer.administrator:
        raise RefusedError(403, "administrators only")
    checked = audit_filters(dict(request.query_params))
    rows: list[dict[str, object]] = []
    page = int(checked.values["page"] or 1) if checked.ok else 1
    if checked.ok:
        kind, action = SHOWN[checked.values["show"]]
        offset = (page - 1) * PAGE_SIZE
        params = [
            *checked.criteria,
            ("offset", str(offset)),
            *([("action", action)] if action else []),
        ]
        views = workspace.resident_view
        rows = await workspace.call(
            session, client, lambda token: views.audit(token, kind, params, PAGE_SIZE + 1)
        )
    context = {
        "rows": [_linked(row) for row in rows[:PAGE_SIZE]],
        "form": checked,
        "errors": checked.errors,
        "reads": checked.values["show"] == "reads",
        "previous_page": _page_link(checked, page - 1) if page > 1 else None,
        "next_page": _page_link(checked, page + 1) if len(rows) > PAGE_SIZE else None,
        "page": page,
    }
    status = 200 if checked.ok else 400
    return workspace.pages.render(
        request, session, "officer/audit.html", context, status_code=status
    )
