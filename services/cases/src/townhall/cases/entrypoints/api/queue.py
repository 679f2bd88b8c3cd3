"""The officers' work queue: the cases they may work, filtered, sorted and paged, and
counts per status for a dashboard.

What a queue may hold is decided by the officer's roles, in the query
(:mod:`townhall.cases.service_layer.queue`, :mod:`townhall.cases.adapters.queue`);
the parameters only narrow it. Every parameter is checked: an unknown one, an unknown
value, a bad date, a page size out of range or a bad cursor is a problem naming it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal, get_args, get_origin
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from townhall.cases.adapters.queue import CaseQueue, conditions
from townhall.cases.domain.catalogue import FINISHED_STATES, Catalogue
from townhall.cases.domain.commands import Actor
from townhall.cases.domain.queue import DEFAULT_DUE_WITHIN, Assignee, QueueFilter, SlaState
from townhall.cases.entrypoints.api import cursors
from townhall.cases.entrypoints.api.dependencies import CatalogueDep, ClockDep, ReadsQueue, Session
from townhall.cases.entrypoints.api.schemas import Name
from townhall.cases.service_layer.queue import queue_types
from townhall.runtime.openapi import problems
from townhall.runtime.problems import FieldError, UnprocessableContent
from townhall.schemas.events.cases import CaseChannel, Status

router = APIRouter(prefix="/queue", tags=["queue"])
#: Where a bare date starts and ends: the council's day.
COUNCIL_TIME = ZoneInfo("Europe/London")
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Moment = AwareDatetime | date


class QueueFilters(BaseModel):
    """Filters of the queue; each may be given once (lists: repeated)."""

    model_config = ConfigDict(extra="forbid")

    service_code: list[Code] = Field(default_factory=list, description="Service types.")
    domain: list[Code] = Field(default_factory=list, description="Service areas.")
    status: list[Status] = Field(default_factory=list)
    channel: list[CaseChannel] = Field(default_factory=list)
    assignee: Assignee | None = Field(
        default=None, description="me: assigned to you; unassigned: no officer yet."
    )
    team: Name | None = None
    sla: SlaState | None = Field(
        default=None, description="breached: past due (or recorded so); due: due soon."
    )
    due_within_hours: int | None = Field(
        default=None, ge=1, le=24 * 90, description="With sla=due: the window (default 24)."
    )
    submitted_from: Moment | None = Field(
        default=None, description="A date (from its start, UK time) or a date-time."
    )
    submitted_to: Moment | None = Field(
        default=None, description="A date (to its end, UK time) or a date-time (inclusive)."
    )
    q: Words | None = Field(default=None, description="Words in the description, or a reference.")


class QueuePageQuery(QueueFilters):
    sort: Literal["newest", "oldest", "due_soonest"] = "newest"
    limit: int = Field(default=25, ge=1, le=100, description="Cases per page.")
    cursor: Annotated[str, StringConstraints(max_length=512)] | None = Field(
        default=None, description="next_cursor of the page before."
    )


class QueueItem(BaseModel):
    reference: str
    service_code: str
    service_name: str
    domain: str
    status: str
    channel: str
    submitted_at: datetime
    updated_at: datetime
    due_at: datetime
    overdue: bool = Field(description="Open past its due date, or recorded as breached.")
    breached_at: datetime | None
    team: str | None
    officer: str | None
    resident_id: UUID | None
    summary: str = Field(description="The start of the description.")
    address: str | None
    reporter_claimed: bool


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None = Field(description="Absent on the last page.")


class QueueCounts(BaseModel):
    total: int
    by_status: dict[str, int] = Field(description="Every status asked for, zeros included.")


def _invalid(parameter: str, why: str) -> UnprocessableContent:
    field = FieldError(loc=["query", parameter], msg=why)
    return UnprocessableContent(
        f"{parameter}: {why}", title="Invalid filter", extensions={"errors": [field.model_dump()]}
    )


def given_once(request: Request, model: type[BaseModel]) -> None:
    """Refuse a parameter that takes one value but was given several (which one counts
    would otherwise be a guess)."""
    for name, field in model.model_fields.items():
        if get_origin(field.annotation) is not list and len(request.query_params.getlist(name)) > 1:
            raise _invalid(name, "give it once")


def _start(moment: Moment) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time(), COUNCIL_TIME)


def _end(moment: Moment) -> datetime:
    """Just after the end of ``moment`` (the next day's start; a date-time is inclusive)."""
    if isinstance(moment, datetime):
        return moment + timedelta(microseconds=1)
    return datetime.combine(moment + timedelta(days=1), time(), COUNCIL_TIME)


def to_filter(query: QueueFilters) -> QueueFilter:
    if query.due_within_hours is not None and query.sla != "due":
        raise _invalid("due_within_hours", "only with sla=due")
    start = None if query.submitted_from is None else _start(query.submitted_from)
    end = None if query.submitted_to is None else _end(query.submitted_to)
    if start is not None and end is not None and end <= start:
        raise _invalid("submitted_to", "is before submitted_from")
    hours = query.due_within_hours
    return QueueFilter(
        service_codes=frozenset(query.service_code),
        domains=frozenset(query.domain),
        statuses=frozenset(query.status),
        channels=frozenset(query.channel),
        assignee=query.assignee,
        team=query.team,
        sla=query.sla,
        due_within=DEFAULT_DUE_WITHIN if hours is None else timedelta(hours=hours),
        submitted_from=start,
        submitted_before=end,
        text=query.q,
    )


def _item(row: Any, catalogue: Catalogue, now: datetime) -> QueueItem:
    service_type = catalogue.get(row.service_code)
    assert service_type is not None  # the query keeps only the catalogue's types
    open_ = row.status not in FINISHED_STATES
    return QueueItem(
        reference=row.reference,
        service_code=row.service_code,
        service_name=service_type.name,
        domain=service_type.domain,
        status=row.status,
        channel=row.channel,
        submitted_at=row.created_at,
        updated_at=row.updated_at,
        due_at=row.due_at,
        overdue=row.breached_at is not None or (open_ and row.due_at <= now),
        breached_at=row.breached_at,
        team=row.team,
        officer=row.officer,
        resident_id=row.resident_id,
        summary=row.description[:200],
        address=row.address,
        reporter_claimed=row.reporter_claimed,
    )


@router.get("", response_model=QueuePage, responses=problems(400, 422))
async def list_queue(
    request: Request,
    query: Annotated[QueuePageQuery, Query()],
    session: Session,
    catalogue: CatalogueDep,
    clock: ClockDep,
    actor: ReadsQueue,
) -> QueuePage:
    """The cases you may work, newest first unless ``sort`` says otherwise; follow
    ``next_cursor`` for the next page (cases submitted meanwhile do not shift it)."""
    given_once(request, QueuePageQuery)
    wanted, now = to_filter(query), clock()
    bound = cursors.fingerprint(query.model_dump(exclude={"cursor", "limit"}))
    after = None if query.cursor is None else cursors.decode(query.cursor, bound)
    where = _where(actor, catalogue, wanted, now)
    rows, ends = await CaseQueue(session).page(where, query.sort, after, query.limit)
    next_cursor = None if ends is None else cursors.encode(ends, bound)
    return QueuePage(items=[_item(r, catalogue, now) for r in rows], next_cursor=next_cursor)


@router.get("/counts", response_model=QueueCounts, responses=problems(422))
async def count_queue(
    request: Request,
    query: Annotated[QueueFilters, Query()],
    session: Session,
    catalogue: CatalogueDep,
    clock: ClockDep,
    actor: ReadsQueue,
) -> QueueCounts:
    """How many of the cases you may work are in each status, under the same filters."""
    given_once(request, QueueFilters)
    wanted = to_filter(query)
    found = await CaseQueue(session).counts(_where(actor, catalogue, wanted, clock()))
    statuses = sorted(wanted.statuses) if wanted.statuses else list(get_args(Status))
    by_status = {status: found.get(status, 0) for status in statuses}
    return QueueCounts(total=sum(by_status.values()), by_status=by_status)


def _where(actor: Actor, catalogue: Catalogue, wanted: QueueFilter, now: datetime) -> list[Any]:
    types = queue_types(actor, catalogue, wanted)
    return conditions(types, wanted, officer=actor.subject, now=now)
