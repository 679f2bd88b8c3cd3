"""One small function per command about a case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from townhall.cases.domain import commands
from townhall.cases.domain.catalogue import ServiceType
from townhall.cases.domain.channels import channels_for
from townhall.cases.domain.exceptions import (
    CaseNotFoundError,
    InvalidChannelError,
    InvalidDetailsError,
    MissingReporterError,
    NotPermittedError,
    UnknownServiceTypeError,
)
from townhall.cases.domain.model import Case, reference_for
from townhall.cases.service_layer.forms import check_details
from townhall.cases.service_layer.matching import (
    Erased,
    MatchUnavailableError,
    ResidentMatcher,
)
from townhall.cases.service_layer.permissions import (
    actor_label,
    require_officer,
    require_raiser,
    require_visible,
    resident_id_of,
)
from townhall.cases.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock


@dataclass(frozen=True)
class Submitted:
    case_id: uuid.UUID
    reference: str
    token: str | None = None


def service_type_of(uow: UnitOfWork, code: str) -> ServiceType:
    found = uow.catalogue.get(code)
    if found is None:
        raise UnknownServiceTypeError(code)
    return found


async def load(uow: UnitOfWork, reference: str) -> Case:
    case = await uow.cases.get(reference)
    if case is None:
        raise CaseNotFoundError(reference)
    return case


#: Who may say whose request it is (``resident_id``): everyone else's report is their
#: own (residents) or only a claim matched by identity (anonymous, Open311).
NAMES_RESIDENT = ("officer", "service")


def _check_submission(cmd: commands.SubmitCase, service_type: ServiceType) -> None:
    if cmd.resident_id is not None and cmd.actor.kind not in NAMES_RESIDENT:
        raise NotPermittedError(
            "only officers and service clients may name a resident_id: "
            "a signed-in resident's request is their own"
        )
    if service_type.location_required and cmd.location is None:
        raise InvalidDetailsError(service_type.code, [("location", "a location is required")])
    actor = cmd.actor
    if actor.kind == "officer":
        require_raiser(actor, service_type)
    allowed = channels_for(actor.kind)
    if cmd.channel not in allowed:
        raise InvalidChannelError(cmd.channel, actor.kind, allowed)
    check_details(service_type, cmd.details)
    if actor.kind == "anonymous" and service_type.sensitivity in ("sensitive", "special"):
        raise NotPermittedError(f"sign in to apply for {service_type.name}")
    reporter = cmd.reporter
    named = bool(reporter.given_name and reporter.family_name)
    reachable = bool(reporter.email or reporter.phone)
    needs_reporter = actor.kind != "resident" and cmd.resident_id is None
    if needs_reporter and cmd.channel != "open311" and not (named and reachable):
        raise MissingReporterError()


@dataclass(frozen=True)
class _Whose:
    resident_id: uuid.UUID | None
    claimed: bool = False
    #: Identity could not answer: the case is asked about again later.
    unanswered: bool = False
    #: The details were a resident's erased since (see service_layer.matching).
    erased: bool = False


async def _resident(
    cmd: commands.SubmitCase, matcher: ResidentMatcher, case_id: uuid.UUID, now: datetime
) -> _Whose:
    """Whose request it is, and whether that is only a claim.

    A signed-in resident's (at any level: they proved the token) is theirs. One an
    officer or service client names is that resident's. Otherwise it is what the
    reporter said about who they are, matched by identity: a claim until confirmed.
    """
    if cmd.actor.kind == "resident":
        return _Whose(resident_id_of(cmd.actor))
    if cmd.resident_id is not None:
        return _Whose(cmd.resident_id)
    try:
        matched = await matcher.match(cmd.reporter, cmd.location, str(case_id), observed_at=now)
    except MatchUnavailableError:
        return _Whose(None, unanswered=True)
    if isinstance(matched, Erased):
        return _Whose(None, erased=True)
    return _Whose(matched, claimed=matched is not None)


def raised_by(actor: commands.Actor) -> str:
    """Who raised a request, as its event records it (``anonymous``: nobody signed in)."""
    return "anonymous" if actor.kind == "anonymous" else actor_label(actor)


async def submit_case(
    cmd: commands.SubmitCase, uow: UnitOfWork, *, matcher: ResidentMatcher, clock: Clock
) -> Submitted:
    service_type = service_type_of(uow, cmd.service_code)
    _check_submission(cmd, service_type)
    case_id = uuid.uuid4()
    now = clock()
    whose = await _resident(cmd, matcher, case_id, now)
    resident_id = whose.resident_id
    async with uow:
        number = await uow.cases.next_number(service_type.prefix, now.year)
        case = Case.submit(
            id=case_id,
            reference=reference_for(service_type, now.year, number),
            service_type=service_type,
            channel=cmd.channel,
            submitted_by=cmd.actor.kind,
            raised_by=raised_by(cmd.actor),
            details=cmd.details,
            now=now,
            description=cmd.description,
            resident_id=resident_id,
            reporter_claimed=whose.claimed,
            reporter=cmd.reporter,
            location=cmd.location,
        )
        if whose.unanswered:
            case.await_match(due_at=now)  # see service_layer.resident_matching
        if whose.erased or (resident_id is not None and await uow.erasures.contains(resident_id)):
            case.erase_personal_data(now)  # erased before the case reached us
        if service_type.fee_pence is not None:
            fee = f"£{service_type.fee_pence / 100:.2f}"
            case.move_to(
                "awaiting_payment",
                reason=f"Pay {fee} to continue",
                by="system:fee",
                now=now,
                reason_code="fee_due",
                reason_params={"amount_pence": service_type.fee_pence},
            )
        await uow.cases.add(case)
        token = await uow.cases.add_token(case.id) if cmd.open311_token else None
        await uow.commit()
    return Submitted(case.id, case.reference, token)


async def change_status(cmd: commands.ChangeStatus, uow: UnitOfWork, *, clock: Clock) -> str:
    async with uow:
        case = await load(uow, cmd.reference)
        seen_as = require_visible(cmd.actor, case)
        if not (cmd.to_status == "cancelled" and seen_as == "resident"):
            require_officer(cmd.actor, case.service_type)
        case.move_to(cmd.to_status, reason=cmd.reason, by=actor_label(cmd.actor), now=clock())
        await uow.cases.save(case)
        await uow.commit()
    return case.status


async def confirm_reporter(
    cmd: commands.ConfirmReporter, uow: UnitOfWork, *, clock: Clock
) -> datetime:
    """The resident (or an officer of its area, on their behalf) confirms that a request
    reported in their name is theirs; confirming again changes nothing."""
    async with uow:
        case = await load(uow, cmd.reference)
        if require_visible(cmd.actor, case) not in ("claimant", "resident", "officer"):
            raise NotPermittedError("only the resident confirms a request is theirs")
        if case.confirm_reporter(by=actor_label(cmd.actor), now=clock()):
            await uow.cases.save(case)
        await uow.commit()
    assert case.reporter_confirmed_at is not None
    return case.reporter_confirmed_at


async def assign_case(cmd: commands.AssignCase, uow: UnitOfWork, *, clock: Clock) -> None:
    async with uow:
        case = await load(uow, cmd.reference)
        require_visible(cmd.actor, case)
        require_officer(cmd.actor, case.service_type)
        case.assign(team=cmd.team, officer=cmd.officer, by=actor_label(cmd.actor), now=clock())
        await uow.cases.save(case)
        await uow.commit()


async def add_note(cmd: commands.AddNote, uow: UnitOfWork, *, clock: Clock) -> uuid.UUID:
    async with uow:
        case = await load(uow, cmd.reference)
        require_visible(cmd.actor, case)
        require_officer(cmd.actor, case.service_type)
        note = case.add_note(
            text=cmd.text, public=cmd.public, by=actor_label(cmd.actor), now=clock()
        )
        await uow.cases.save(case)
        await uow.commit()
    return note.id
