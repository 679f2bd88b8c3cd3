"""What cases wrote about a resident arrives sealed under their data key: the projection
opens it into the timeline entry while the key exists, stores it blank once it is gone
(the entry still lands), and a replay of the same events gives the same entries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from townhall.resident_view.adapters.orm import timeline_entries as t
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.resident_view.projection.projector import Projector
from townhall.resident_view.testing_identity import Searchable
from townhall.runtime.crypto import seal
from townhall.runtime.data_keys import resident_context
from townhall.schemas.envelope import Envelope
from townhall.schemas.events import cases
from townhall.schemas.events.base import DomainEvent

START = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
UPDATE = "Dear Ida Sealwell, the crew will call at 4 Wax Lane on Friday"
NOTE = "Ida Sealwell's neighbour at 6 Wax Lane feeds the rats"
REASON = "Ida Sealwell asked us to close it: the rats have gone"


class CaseEvents:
    """cases' events about one resident's request, their text sealed as cases seals it."""

    def __init__(self, env: Searchable, resident: str, reference: str = "PC-2026-000451"):
        self.env, self.resident, self.reference = env, resident, reference
        self.case: dict[str, Any] = {
            "case_id": uuid.uuid4(),
            "reference": reference,
            "service_code": "pest_control",
            "resident_id": uuid.UUID(resident),
            "domain": "pest_control",
            "sensitivity": "personal",
        }
        self.minute = 0

    def _published(self, event: DomainEvent) -> Envelope:
        self.minute += 1
        return event.to_envelope(
            sequence=self.minute,
            time=START + timedelta(minutes=self.minute),
            correlation_id="sealed-text",
        )

    def _sealed(self, **fields: str) -> str:
        key = self.env.keys.key(self.resident)
        return seal(fields, key, context=resident_context(self.resident))

    def submitted(self) -> Envelope:
        return self._published(
            cases.CaseSubmitted(
                **self.case,
                status="submitted",
                channel="online",
                submitted_by="resident",
                due_at=START + timedelta(days=10),
            )
        )

    def update(self, text: str = UPDATE) -> Envelope:
        return self._published(
            cases.CaseUpdatePosted(
                **self.case,
                note_id=uuid.uuid4(),
                text="",
                author="officer:7",
                sealed=self._sealed(text=text),
            )
        )

    def note(self) -> Envelope:
        return self._published(
            cases.CaseInternalNoteAdded(
                **self.case,
                note_id=uuid.uuid4(),
                text="",
                author="officer:7",
                sealed=self._sealed(text=NOTE),
            )
        )

    def closed(self) -> Envelope:
        return self._published(
            cases.CaseStatusChanged(
                **self.case,
                from_status="submitted",
                to_status="rejected",
                reason="",
                changed_by="officer:7",
                sealed=self._sealed(reason=REASON),
            )
        )


async def _steps(env: Searchable, reference: str, token: str) -> list[dict[str, Any]]:
    response = await env.get(f"/tracking/{reference}", token, purpose="following it")
    assert response.status_code == 200, response.text
    steps: list[dict[str, Any]] = response.json()["steps"]
    return steps


async def _entries(env: Searchable, generation: int) -> list[tuple[str, str, str]]:
    """(event type, summary, data) of a generation's entries, oldest first."""
    query = (
        select(t.c.type, t.c.summary, t.c.data)
        .where(t.c.generation == generation)
        .order_by(t.c.time, t.c.event_id)
    )
    async with env.runtime.sessions() as session:
        return [tuple(row) for row in (await session.execute(query)).all()]


async def _replay(env: Searchable, generation: int, events: list[Envelope]) -> None:
    """The same events into another generation, as a rebuild replays the topics."""
    residents = services_of(env.app).live.residents
    async with env.runtime.sessions.begin() as session:
        await Projector(generation, residents)(session, events)


async def test_sealed_text_is_opened_into_the_entries_the_resident_and_officers_read(
    searchable: Searchable,
) -> None:
    env, resident = searchable, str(uuid.uuid4())
    events = CaseEvents(env, resident)
    await env.project(events.submitted(), events.update(), events.note(), events.closed())

    mine = await _steps(env, events.reference, env.issuer.resident(resident))
    officers = await _steps(env, events.reference, env.issuer.officer(("pest_control", "personal")))

    assert [s["data"].get("text") for s in mine] == [None, UPDATE, None]
    assert mine[-1]["data"]["reason"] == REASON
    assert all("sealed" not in s["data"] for s in mine), "the blob is not kept once opened"
    assert NOTE not in str(mine), "the internal note never reaches the resident"
    assert [s["data"].get("text") for s in officers] == [None, UPDATE, NOTE, None]


async def test_once_the_key_is_gone_the_text_stays_blank_and_the_entry_still_lands(
    searchable: Searchable,
) -> None:
    env, resident = searchable, str(uuid.uuid4())
    events = CaseEvents(env, resident)
    submitted, update = events.submitted(), events.update()
    env.keys.erase(resident)  # identity erased them; cases' topic is read first

    await env.project(submitted, update)

    steps = await _steps(env, events.reference, env.issuer.officer(("pest_control", "personal")))
    assert [s["type"] for s in steps] == [cases.CaseSubmitted.TYPE, cases.CaseUpdatePosted.TYPE]
    assert steps[1]["data"]["text"] == "" and "sealed" not in steps[1]["data"]


async def test_a_replay_of_the_topics_gives_the_same_entries_before_and_after_erasure(
    searchable: Searchable,
) -> None:
    env, resident = searchable, str(uuid.uuid4())
    events = CaseEvents(env, resident)
    history = [events.submitted(), events.update(), events.note(), events.closed()]
    await env.project(*history)
    await _replay(env, 2, history)
    live = await _entries(env, 1)
    assert UPDATE in str(live) and live == await _entries(env, 2)

    erased = env.identity.erased(resident)  # the key goes with it
    await env.project(erased)
    await _replay(env, 3, [*history, erased])

    after = await _entries(env, 1)
    assert UPDATE not in str(after) and NOTE not in str(after)
    assert after == await _entries(env, 3)
