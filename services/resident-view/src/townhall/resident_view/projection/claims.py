"""Reports that only claim to be a resident's, until the resident confirms them.

An anonymous reporter who gives a resident's name and email or phone is matched to
that resident by identity, but not proven to be them: cases publishes
``case.submitted`` with ``reporter_claimed``, and later ``case.reporter_confirmed``
when the resident confirms it was theirs. The confirmation may be applied first (a
rebuild reads the topics' partitions in any order), so:

* a claimed report is stored confirmed when its confirmation is stored already
  (:func:`settle`, on the batch's new rows before they are written);
* a confirmation confirms the claimed report stored before it (:func:`apply`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters import claims
from townhall.resident_view.projection import entries
from townhall.resident_view.projection.entries import Row
from townhall.resident_view.projection.wording import english
from townhall.schemas.envelope import Envelope
from townhall.schemas.events.cases import CaseReporterConfirmed


async def settle(session: AsyncSession, generation: int, rows: list[Row]) -> None:
    """Claimed reports among ``rows`` whose confirmation is stored read as confirmed."""
    claimed = [row for row in rows if row["claimed"] and row["case_reference"]]
    if not claimed:
        return
    requests = {(row["case_reference"], row["source"]) for row in claimed}
    done = await claims.confirmed(session, generation, requests)
    for row in claimed:
        if (row["case_reference"], row["source"]) in done:
            entries.confirmed(row)


async def apply(session: AsyncSession, generation: int, envelope: Envelope) -> None:
    """A confirmation confirms its request's claimed report, if stored."""
    if envelope.type != CaseReporterConfirmed.TYPE:
        return
    event = CaseReporterConfirmed.model_validate(envelope.data)
    own = entries.submitted_said({"service_code": event.service_code, "reference": event.reference})
    said = {"summary": english(own), **entries.columns(own)}
    await claims.confirm(session, generation, (event.reference, envelope.source), said)
