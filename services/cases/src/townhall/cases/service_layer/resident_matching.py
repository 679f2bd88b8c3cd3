"""No request is left without its resident: cases identity could not match at submission
are asked about again, with backoff, until identity answers.

The case is saved at once either way (a resident reporting rats is never refused because
identity is restarting); its ``match_due_at`` says when to ask again, in cases' own
table, so a cases restart loses nothing. Identity is asked outside any transaction; the
answer is applied in one, guarded by the case's version, so two cases replicas racing
over the same case apply it once. When identity answers with a resident, the case's
``case.resident_matched`` event brings it to that resident's timeline and tracking.

Identity is told when the case was submitted (``observed_at``): if the reporter's details
were a resident's erased since, it answers ``erased`` rather than make a new resident
of them, and the case is blanked as any case of an erased resident (its evidence too,
:func:`townhall.cases.service_layer.erasure.erase`) and never asked about again.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import structlog

from townhall.cases.domain import commands
from townhall.cases.domain.exceptions import ConcurrentUpdateError
from townhall.cases.domain.model import Case
from townhall.cases.service_layer.erasure import erase
from townhall.cases.service_layer.matching import (
    Erased,
    Match,
    MatchUnavailableError,
    ResidentMatcher,
    retry_delay,
)
from townhall.cases.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock

log = structlog.get_logger(__name__)


async def retry_resident_matches(
    cmd: commands.RetryResidentMatches,
    uow: UnitOfWork,
    *,
    matcher: ResidentMatcher,
    clock: Clock,
) -> int:
    """One pass over the cases due to be asked about; how many found their resident.

    The first unanswered ask ends the pass: identity is still away, and the other due
    cases wait for the next pass rather than each waiting out a timeout.
    """
    async with uow:
        due = await uow.cases.awaiting_match(clock(), cmd.limit)
    matched = 0
    for case in due:
        try:
            answer = await matcher.match(
                case.reporter, case.location, str(case.id), observed_at=case.created_at
            )
        except MatchUnavailableError as error:
            await _ask_later(cmd, uow, case, clock, str(error))
            break
        try:
            matched += await _apply(uow, case, answer, clock)
        except ConcurrentUpdateError:
            log.info("resident_match_raced", reference=case.reference)
    return matched


async def _apply(uow: UnitOfWork, seen: Case, answer: Match, clock: Clock) -> int:
    now = clock()
    async with uow:
        case = await uow.cases.get(seen.reference)
        if case is None or case.match_due_at is None or case.version != seen.version:
            return 0  # another replica answered it meanwhile
        if isinstance(answer, Erased):
            await _erased(uow, case, clock)
            return 0
        resident_id: uuid.UUID | None = answer
        found = case.matched(resident_id, now=now)
        if resident_id is not None and found and await uow.erasures.contains(resident_id):
            case.erase_personal_data(now)  # erased before the match reached us
        await uow.cases.save(case)
        await uow.commit()
    log.info("resident_match_retried", reference=case.reference, matched=found)
    return int(found)


async def _erased(uow: UnitOfWork, case: Case, clock: Clock) -> None:
    """The reporter was a resident erased after submitting: nobody's, blanked, done."""
    case.matched(None, now=clock())  # nothing more to ask, and no resident_matched event
    if not await erase(uow, case, clock):
        await uow.cases.save(case)
    await uow.commit()
    log.info("resident_match_erased", reference=case.reference)


async def _ask_later(
    cmd: commands.RetryResidentMatches, uow: UnitOfWork, seen: Case, clock: Clock, why: str
) -> None:
    delay = retry_delay(
        seen.match_attempts,
        first=timedelta(seconds=cmd.first_retry_s),
        longest=timedelta(seconds=cmd.longest_wait_s),
    )
    async with uow:
        case = await uow.cases.get(seen.reference)
        if case is None or case.match_due_at is None or case.version != seen.version:
            return
        case.match_unanswered(retry_at=clock() + delay)
        await uow.cases.save(case)
        await uow.commit()
    log.warning(
        "resident_match_unanswered",
        reference=seen.reference,
        attempts=case.match_attempts,
        retry_in_s=delay.total_seconds(),
        error=why,
    )
