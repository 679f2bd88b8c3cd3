"""Synthetic events and a wired-up service for the notifications tests (and others')."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

import httpx

from townhall.notifications.bootstrap import Notifications, bootstrap
from townhall.notifications.config import NotificationsSettings
from townhall.notifications.domain import commands
from townhall.notifications.domain.rules import RuleBook
from townhall.notifications.entrypoints.consumer import Decisions
from townhall.notifications.fakes import FakeSender, FakeUnitOfWork, Store
from townhall.notifications.service_layer.senders import Sender
from townhall.runtime.clock import ManualClock
from townhall.runtime.crypto import seal
from townhall.runtime.data_keys import resident_context
from townhall.runtime.outbox import EventContext
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.fakes import FakeOutbox
from townhall.schemas.envelope import Envelope, Sensitivity
from townhall.schemas.events import booking, cases, identity
from townhall.schemas.events.base import DomainEvent

#: The bearer token the tests' Notify sends with delivery receipts.
CALLBACK_TOKEN = "notify-callback-token-for-tests"
#: A weekday at 10:00 in London (GMT): not quiet hours.
MORNING = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
_sequence = iter(range(1, 10**9))


def envelope(event: DomainEvent, at: datetime = MORNING) -> Envelope:
    return event.to_envelope(sequence=next(_sequence), time=at, correlation_id="test")


def case_submitted(
    resident_id: UUID | None,
    reference: str = "PC-2026-000123",
    service_names: dict[Literal["en", "cy"], str] | None = None,
) -> Envelope:
    """``service_names``: as cases' catalogue names the type (none: an older event)."""
    return envelope(
        cases.CaseSubmitted(
            domain="pest_control",
            sensitivity="personal",
            case_id=uuid.uuid4(),
            reference=reference,
            service_code="pest_control",
            resident_id=resident_id,
            status="submitted",
            channel="online",
            submitted_by="resident",
            due_at=MORNING + timedelta(days=5),
            service_names=service_names,
        )
    )


def visit_booked(
    resident_id: UUID, reference: str = "PC-2026-000123", starts_at: datetime = MORNING
) -> Envelope:
    """Booking confirmed the request's visit, an hour long from ``starts_at``."""
    return envelope(
        booking.AppointmentConfirmed(
            case_reference=reference,
            case_id=uuid.uuid4(),
            resident_id=resident_id,
            service_code="pest_control",
            domain="pest_control",
            sensitivity=Sensitivity.PERSONAL,
            resource="pest-van-1",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            appointment_id=uuid.uuid4(),
            booked_by=f"resident:{resident_id}",
        )
    )


def resident_matched(resident_id: UUID, reference: str = "PC-2026-000123") -> Envelope:
    """Cases matched a request it could not match when it was made (at MORNING)."""
    return envelope(
        cases.CaseResidentMatched(
            domain="pest_control",
            sensitivity="personal",
            case_id=uuid.uuid4(),
            reference=reference,
            service_code="pest_control",
            resident_id=resident_id,
            status="submitted",
            channel="online",
            submitted_at=MORNING,
            due_at=MORNING + timedelta(days=5),
        ),
        at=MORNING + timedelta(hours=1),
    )


def status_changed(resident_id: UUID, reference: str = "PC-2026-000123") -> Envelope:
    return envelope(
        cases.CaseStatusChanged(
            domain="pest_control",
            sensitivity="personal",
            case_id=uuid.uuid4(),
            reference=reference,
            service_code="pest_control",
            resident_id=resident_id,
            from_status="submitted",
            to_status="triaged",
            changed_by="officer:1",
        )
    )


def code_issued(
    keys: FakeDataKeys,
    resident_id: UUID,
    channel: str,
    to: str,
    code: str,
    language: Literal["en", "cy"] | None = None,
) -> Envelope:
    """``language``: the one the resident asked for the code in (None: not said)."""
    sealed = _seal(keys, resident_id, {"destination": to, "code": code})
    return envelope(
        identity.OneTimeCodeIssued(
            resident_id=resident_id,
            reference="PC-2026-000123",
            channel=channel,
            personal_data=sealed,
            language=language,
        )
    )


def already_registered(keys: FakeDataKeys, resident_id: UUID, channel: str, to: str) -> Envelope:
    """Someone asked to use ``to``, which ``resident_id`` holds."""
    sealed = _seal(keys, resident_id, {"destination": to})
    return envelope(
        identity.ContactPointAlreadyRegistered(
            resident_id=resident_id,
            channel=channel,
            attempted="add_contact_point",
            personal_data=sealed,
        )
    )


def contact_points(keys: FakeDataKeys, resident_id: UUID, **points: str) -> Envelope:
    listed = [{"kind": kind, "value": value, "verified": True} for kind, value in points.items()]
    sealed = _seal(keys, resident_id, {"contact_points": listed})
    return envelope(
        identity.ResidentContactPointsChanged(resident_id=resident_id, personal_data=sealed)
    )


def registered(
    keys: FakeDataKeys,
    resident_id: UUID,
    *,
    language: str = "en",
    email: str | None = None,
    postcode: str | None = None,
) -> Envelope:
    personal: dict[str, Any] = {
        "names": [{"given": "Ada", "family": "Example"}],
        "contact_points": [{"kind": "email", "value": email, "verified": True}] if email else [],
        "addresses": [{"line1": "1 Test Street", "town": "Exampleton", "postcode": postcode}]
        if postcode
        else [],
        "preferred_language": language,
    }
    sealed = _seal(keys, resident_id, personal)
    return envelope(
        identity.ResidentRegistered(resident_id=resident_id, channel="online", personal_data=sealed)
    )


def erased(resident_id: UUID) -> Envelope:
    return envelope(identity.ResidentErased(resident_id=resident_id))


def _seal(keys: FakeDataKeys, resident_id: UUID, fields: dict[str, Any]) -> str:
    key = keys.key_of(resident_id)
    assert key is not None
    return seal(fields, key, context=resident_context(resident_id))


def settings_for(
    database_url: str = "sqlite+aiosqlite:///:memory:", **overrides: Any
) -> NotificationsSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka": KafkaSettings(),
        "relay_enabled": False,
        "consumers_enabled": False,
        "dispatch_interval_s": 0,
        "environment": "development",
        **overrides,
    }
    return NotificationsSettings(**values)


@dataclass
class Harness:
    """The service through bootstrap with a fake unit of work, sender, keys and clock."""

    service: Notifications
    store: Store
    outbox: FakeOutbox
    sender: FakeSender
    keys: FakeDataKeys
    clock: ManualClock

    async def consume(self, *envelopes: Envelope) -> None:
        """What the consumer does with each (in a fake transaction of its own)."""
        decisions = Decisions(self.service.bus, self.service.rulebook)
        for each in envelopes:
            command = decisions.to_command(each)
            if command is not None:
                await self.service.bus.handle(command, EventContext("test", each.id))

    async def dispatch(self) -> int:
        sent: int = await self.service.bus.handle(commands.DispatchDue(), EventContext("test"))
        return sent

    def published(self) -> list[Envelope]:
        return list(self.outbox.envelopes)


def harness(
    now: datetime = MORNING, *, rulebook: RuleBook | None = None, sender: Sender | None = None
) -> Harness:
    """The service on fakes; ``sender`` replaces the fake sender (``h.sender`` then
    sees nothing)."""
    clock = ManualClock(now)
    store, outbox = Store(), FakeOutbox("notifications", clock)
    fake, keys = FakeSender(), FakeDataKeys()
    service = bootstrap(
        settings_for(),
        rulebook=rulebook,
        uow=lambda: FakeUnitOfWork(store, outbox, clock),
        sender=sender or fake,
        data_keys=keys,
        clock=clock,
    )
    return Harness(service, store, outbox, fake, keys, clock)


def services_of(http: httpx.AsyncClient) -> Notifications:
    """What bootstrap built for the app behind ``http`` (see the tests' conftest)."""
    services: Notifications = http.services  # type: ignore[attr-defined]
    return services
