"""Open311's commands, and the unit of work that keeps its updates feed.

The feed of service request updates (mySociety's extension of GeoReport v2) is written
like the outbox: in the transaction of the change it reports, so it can neither miss a
status change or public update nor show one that was rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass

from townhall.cases.adapters import open311_queries as rows
from townhall.cases.domain.exceptions import CaseNotFoundError
from townhall.cases.domain.open311 import PostOpen311Update, SubmitOpen311Request
from townhall.cases.service_layer import handlers
from townhall.cases.service_layer.matching import ResidentMatcher
from townhall.cases.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock

#: Who an update posted through Open311 is by, as cases record authors.
OPEN311_AUTHOR = "open311:client"


@dataclass(frozen=True)
class PostedUpdate:
    update_id: int
    #: False when the client had posted this update (its ``update_id``) before.
    new: bool


class Open311UnitOfWork(UnitOfWork):
    """Cases' unit of work that also writes the Open311 updates feed at commit."""

    async def commit(self) -> None:
        seen = list(self.cases.seen)
        await rows.record_updates(self.session, [case for case in seen if case.events])
        await rows.blank_erased(self.session, seen)
        await super().commit()


async def submit_open311_request(
    cmd: SubmitOpen311Request, uow: UnitOfWork, *, matcher: ResidentMatcher, clock: Clock
) -> handlers.Submitted:
    """The case and what the client said about it, committed together."""
    async with uow.sessions() as session:
        joined = uow.joining(session)
        submitted = await handlers.submit_case(cmd.case, joined, matcher=matcher, clock=clock)
        await rows.add_client_attributes(session, submitted.case_id, cmd.attributes)
        await session.commit()
    uow.outbox.committed()
    return submitted


async def post_open311_update(
    cmd: PostOpen311Update, uow: UnitOfWork, *, clock: Clock
) -> PostedUpdate:
    """The client's comment as a public update on an offered type's case; its update id."""
    async with uow:
        case = await handlers.load(uow, cmd.reference)
        if case.service_type.open311 is None:
            raise CaseNotFoundError(cmd.reference)
        if cmd.external_id is not None:
            known = await rows.update_by_external_id(uow.session, case.id, cmd.external_id)
            if known is not None:
                return PostedUpdate(known, new=False)
        note = case.add_note(text=cmd.text, public=True, by=OPEN311_AUTHOR, now=clock())
        await uow.cases.save(case)
        update_id = await rows.record_posted_update(
            uow.session, case, note.id, external_id=cmd.external_id, media_urls=cmd.media_urls
        )
        await uow.commit()
    return PostedUpdate(update_id, new=True)
