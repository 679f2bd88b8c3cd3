"""The fake notification repository behaves as the real one (so unit tests through the
fake unit of work say something true about the database)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from townhall.notifications.adapters.repository import NotificationRepository
from townhall.notifications.bootstrap import MIGRATIONS
from townhall.notifications.domain.model import Notification
from townhall.notifications.fakes import FakeNotifications, Store
from townhall.notifications.testing import MORNING
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.migrations import upgrade
from townhall.runtime.testkit.fakes import FakeSession

Opener = Callable[[], contextlib.AbstractAsyncContextManager[NotificationRepository]]


@pytest.fixture(params=["fake", "sqlite"])
async def opened(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    """Opens a repository in a transaction committed when the block ends."""
    if request.param == "fake":
        store = Store()

        @contextlib.asynccontextmanager
        async def fake() -> AsyncIterator[NotificationRepository]:
            session: Any = FakeSession()
            yield FakeNotifications(session, store)
            await session.commit()

        yield fake
        return
    url = f"sqlite+aiosqlite:///{tmp_path / 'contract.db'}"
    await upgrade(url, MIGRATIONS)
    engine = create_engine(url)
    sessions = session_factory(engine)

    @contextlib.asynccontextmanager
    async def real() -> AsyncIterator[NotificationRepository]:
        async with sessions.begin() as session:
            yield NotificationRepository(session)

    yield real
    await engine.dispose()


def _notification(
    event_id: str = "e-1", rule: str = "case_submitted", minutes: int = 0
) -> Notification:
    return Notification(
        id=uuid.uuid4(),
        event_id=event_id,
        rule=rule,
        resident_id=RESIDENT,
        cause_type="townhall.cases.case.submitted.v1",
        domain="pest_control",
        sensitivity="personal",
        case_reference="PC-2026-000001",
        sealed="blob",
        not_before=MORNING + timedelta(minutes=minutes),
    )


RESIDENT = uuid.uuid4()


async def test_one_row_per_event_rule_and_recipient(opened: Opener) -> None:
    async with opened() as repo:
        assert await repo.add(_notification())
        assert await repo.add(_notification(rule="other_rule"))
    async with opened() as repo:
        assert not await repo.add(_notification())
        assert await repo.add(_notification(event_id="e-2"))


async def test_due_is_what_is_queued_or_claimed_and_whose_time_has_come(opened: Opener) -> None:
    early, late = _notification("e-1", minutes=0), _notification("e-2", minutes=30)
    async with opened() as repo:
        await repo.add(late)
        await repo.add(early)
    async with opened() as repo:
        assert [n.id for n in await repo.due(MORNING + timedelta(minutes=31), 10)] == [
            early.id,
            late.id,
        ]
        assert [n.id for n in await repo.due(MORNING, 10)] == [early.id]


async def test_an_outcome_is_written_only_while_its_claim_holds(opened: Opener) -> None:
    notification = _notification()
    async with opened() as repo:
        await repo.add(notification)
    async with opened() as repo:
        [claimed] = await repo.due(MORNING, 1)
        claimed.claim(MORNING, timedelta(minutes=5))
        await repo.save(claimed)
    async with opened() as repo:
        [again] = await repo.due(MORNING + timedelta(minutes=6), 1)  # the lease ran out
        again.claim(MORNING + timedelta(minutes=6), timedelta(minutes=5))
        await repo.save(again)
    claimed.sent("email", "late-answer")
    async with opened() as repo:
        assert not await repo.settle(claimed, 1)  # the first claim no longer holds
        again.sent("email", "provider-1")
        assert await repo.settle(again, 2)
    async with opened() as repo:
        kept = await repo.get(notification.id)
    assert kept is not None
    assert (kept.status, kept.provider_id, kept.sealed) == ("sent", "provider-1", None)
