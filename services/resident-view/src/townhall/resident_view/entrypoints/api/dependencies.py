"""FastAPI dependencies as Annotated aliases (the only place Depends appears).

Every dependency is ``async def``: FastAPI runs a plain ``def`` one in its thread
pool, a hand-over each way per dependency per request, for work that never blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.resident_view.bootstrap import ResidentView
from townhall.resident_view.entrypoints.api import audits
from townhall.resident_view.reads import access_table as actions
from townhall.resident_view.reads.access_table import ACCESS
from townhall.resident_view.reads.policy import is_administrator
from townhall.resident_view.reads.ranking import Criteria
from townhall.resident_view.reads.timeline import BadCursorError, Cursor, Filters
from townhall.resident_view.residents import search_keys
from townhall.resident_view.residents.record import identifier_term
from townhall.runtime.auth import Principal
from townhall.runtime.clock import Clock
from townhall.runtime.names import name_tokens
from townhall.runtime.normal_forms import normalise_email, normalise_phone, normalise_postcode
from townhall.runtime.problems import BadRequest, Forbidden
from townhall.runtime.web import Composition

_composition = Composition(ResidentView)
#: Keep what bootstrap built on the app: the one thing the dependencies below read.
install_services = _composition.install
services_of = _composition.of
ServicesDep = Annotated[ResidentView, Depends(_composition.dependency)]


async def _sessions(services: ServicesDep) -> async_sessionmaker[AsyncSession]:
    return services.runtime.sessions


async def _served(services: ServicesDep) -> int:
    """The generation of the store the live projection serves right now."""
    return services.live.generation.number


async def _clock(services: ServicesDep) -> Clock:
    return services.clock


async def _service_urls(services: ServicesDep) -> Mapping[str, str]:
    return services.service_urls


async def _refused(request: Request, viewer: Principal, action: str) -> None:
    await audits.refused(_composition.of(request.app), request, viewer, action)


def _guard(action: str, *, audited: bool = True) -> Callable[..., Any]:
    """The access table's check for ``action``; an audited action's refusals are audited."""
    return ACCESS.require(action, on_refusal=_refused if audited else None)


_timeline = _guard(actions.TIMELINE)
_entry = _guard(actions.ENTRY)
_search = _guard(actions.SEARCH)
_tracking = _guard(actions.TRACKING)
_access_log = _guard(actions.ACCESS_LOG, audited=False)
_audit = _guard(actions.AUDIT, audited=False)
_lookups = _guard(actions.LOOKUPS, audited=False)

#: At least three characters besides spaces around them, as officers must state.
PURPOSE_PATTERN = r"^\s*\S[\s\S]+\S\s*$"
_WHY = "Why you are looking; it goes into the audit."
OptionalPurpose = Annotated[
    str | None,
    Query(
        min_length=3,
        max_length=500,
        pattern=PURPOSE_PATTERN,
        description=f"{_WHY} Officers must state it (400 without); residents need not.",
    ),
]


def _stated_purpose(viewer: Principal, purpose: str | None, resident_default: str) -> str:
    """Officers state why they look (it goes into the audit); residents look at their own."""
    if purpose is not None:
        return purpose.strip()
    if viewer.kind == "resident":
        return resident_default
    raise BadRequest("state the purpose of this look-up in the 'purpose' parameter")


async def _timeline_purpose(
    viewer: Annotated[Principal, Depends(_timeline)], purpose: OptionalPurpose = None
) -> str:
    return _stated_purpose(viewer, purpose, "own history")


async def _entry_purpose(
    viewer: Annotated[Principal, Depends(_entry)], purpose: OptionalPurpose = None
) -> str:
    return _stated_purpose(viewer, purpose, "own history")


async def _tracking_purpose(
    viewer: Annotated[Principal, Depends(_tracking)], purpose: OptionalPurpose = None
) -> str:
    """Officers state why they look; the resident follows their request."""
    return _stated_purpose(viewer, purpose, "following the request")


async def _search_purpose(
    purpose: Annotated[
        str,
        Query(min_length=3, max_length=500, pattern=PURPOSE_PATTERN, description=_WHY),
    ],
) -> str:
    """Only officers search, and they always say why."""
    return purpose.strip()


async def _look_up(services: ResidentView, viewer: Principal, *, search: bool = False) -> None:
    """Count an officer's look-up against their limit (429 beyond it); residents read
    their own history, unlimited here."""
    if viewer.kind == "officer":
        limit = services.limits.searches if search else services.limits.lookups
        await limit.ahit(f"officer:{viewer.subject}")


async def _timeline_allowance(
    services: ServicesDep, viewer: Annotated[Principal, Depends(_timeline)]
) -> None:
    await _look_up(services, viewer)


async def _entry_allowance(
    services: ServicesDep, viewer: Annotated[Principal, Depends(_entry)]
) -> None:
    await _look_up(services, viewer)


async def _tracking_allowance(
    services: ServicesDep, viewer: Annotated[Principal, Depends(_tracking)]
) -> None:
    await _look_up(services, viewer)


async def _search_allowance(
    services: ServicesDep, viewer: Annotated[Principal, Depends(_search)]
) -> None:
    await _look_up(services, viewer, search=True)


async def _filters(
    domain: Annotated[list[str] | None, Query(max_length=64)] = None,
    type: Annotated[list[str] | None, Query(max_length=200)] = None,
    case: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    q: Annotated[str | None, Query(min_length=2, max_length=100)] = None,
    channel: Annotated[list[str] | None, Query(max_length=32)] = None,
) -> Filters:
    for moment in (since, until):
        if moment is not None and moment.tzinfo is None:
            raise BadRequest("since and until need a time zone, e.g. 2026-11-23T09:00:00Z")
    if since and until and since >= until:
        raise BadRequest("'since' must be before 'until'")
    return Filters(
        tuple(domain or ()), tuple(type or ()), case, since, until, q, tuple(channel or ())
    )


async def _cursor(cursor: Annotated[str | None, Query(max_length=400)] = None) -> Cursor | None:
    if cursor is None:
        return None
    try:
        return Cursor.decode(cursor)
    except BadCursorError as exc:
        raise BadRequest(str(exc)) from exc


def _postcode(text: str) -> str:
    try:
        return normalise_postcode(text)
    except ValueError:
        district = search_keys.outward_code(text)
        if district is None:
            raise BadRequest(f"{text!r} is not a UK postcode or the first half of one") from None
        return district


def _phone(text: str) -> str:
    digits = normalise_phone(text)
    if digits is None or not 7 <= len(digits) <= 15:
        raise BadRequest("a phone number has 7 to 15 digits")
    return digits


def _email(text: str) -> str:
    value = normalise_email(text)
    if value is None or "@" not in value.strip("@"):
        raise BadRequest(f"{text!r} is not an email address")
    return value


def _name(text: str) -> tuple[str, ...]:
    words = name_tokens(text)
    if not words:
        raise BadRequest("a name needs letters")
    return words


async def _criteria(
    clock: Annotated[Clock, Depends(_clock)],
    name: Annotated[str | None, Query(min_length=2, max_length=100)] = None,
    date_of_birth: date | None = None,
    postcode: Annotated[str | None, Query(min_length=2, max_length=10)] = None,
    uprn: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}$")] = None,
    email: Annotated[str | None, Query(max_length=254)] = None,
    phone: Annotated[str | None, Query(max_length=30)] = None,
    identifier: Annotated[str | None, Query(min_length=2, max_length=64)] = None,
    case: Annotated[str | None, Query(min_length=2, max_length=64)] = None,
) -> Criteria:
    if date_of_birth and date_of_birth > clock().date():
        raise BadRequest("the date of birth is in the future")
    criteria = Criteria(
        name=_name(name) if name else (),
        date_of_birth=date_of_birth,
        postcode=_postcode(postcode) if postcode else None,
        uprn=uprn,
        email=_email(email) if email else None,
        phone=_phone(phone) if phone else None,
        identifier=identifier_term(identifier or "") or None,
        case_reference=(case or "").strip() or None,
    )
    if not criteria.given():
        raise BadRequest(
            "search by at least one of name, date_of_birth, postcode, uprn, email, phone,"
            " identifier or case"
        )
    return criteria


async def _administrator(viewer: Principal) -> Principal:
    if not is_administrator(viewer):
        raise Forbidden("only administrators may read the audits")
    return viewer


async def _audit_reader(viewer: Annotated[Principal, Depends(_audit)]) -> Principal:
    return await _administrator(viewer)


async def _lookups_reader(viewer: Annotated[Principal, Depends(_lookups)]) -> Principal:
    return await _administrator(viewer)


Sessions = Annotated[async_sessionmaker[AsyncSession], Depends(_sessions)]
SearchCriteria = Annotated[Criteria, Depends(_criteria)]
Served = Annotated[int, Depends(_served)]
ClockDep = Annotated[Clock, Depends(_clock)]
ServiceUrls = Annotated[Mapping[str, str], Depends(_service_urls)]
TimelineFilters = Annotated[Filters, Depends(_filters)]
PageCursor = Annotated[Cursor | None, Depends(_cursor)]

# Who is asking, as each action of the access table lets them (one verification per
# request: a purpose below depends on the same guard), and why they say they look.
TimelineViewer = Annotated[Principal, Depends(_timeline)]
TimelinePurpose = Annotated[str, Depends(_timeline_purpose)]
EntryViewer = Annotated[Principal, Depends(_entry)]
EntryPurpose = Annotated[str, Depends(_entry_purpose)]
Searcher = Annotated[Principal, Depends(_search)]
SearchPurpose = Annotated[str, Depends(_search_purpose)]
TrackingViewer = Annotated[Principal, Depends(_tracking)]
TrackingPurpose = Annotated[str, Depends(_tracking_purpose)]
AccessLogReader = Annotated[Principal, Depends(_access_log)]
AuditReader = Annotated[Principal, Depends(_audit_reader)]
LookupsReader = Annotated[Principal, Depends(_lookups_reader)]

# Each officer's look-ups counted against their limit, for a route's ``dependencies=``.
TimelineAllowance = Depends(_timeline_allowance)
EntryAllowance = Depends(_entry_allowance)
TrackingAllowance = Depends(_tracking_allowance)
SearchAllowance = Depends(_search_allowance)
