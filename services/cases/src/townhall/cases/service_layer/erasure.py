"""Erasure reaches cases: identity erased a resident, cases blanks what it holds of them.

The case record stays (the council must keep a record of work done), anonymised: see
:meth:`townhall.cases.domain.model.Case.erase_personal_data`. The erasure is kept, so a
case of theirs that arrives later (events from different topics arrive in no particular
order; a request in flight when they were erased) is blanked on arrival, and the SLA
monitor's pass sweeps up any committed while an erasure was being applied. The
resident's data key leaves cases' cache: identity has destroyed it, and what cases
publishes about them from now on is blank.

Their evidence files: each record loses the file's name and digest in the erasure's
transaction, and the digest is queued; the erasure sweep then removes from the store
every queued file no other case still uses (:class:`RemoveErasedEvidence`, in
:mod:`townhall.cases.service_layer.evidence`), so a crash between the two loses
nothing: the queue is in the database.
"""

from __future__ import annotations

from townhall.cases.domain import commands
from townhall.cases.domain.model import Case
from townhall.cases.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock


async def erase(uow: UnitOfWork, case: Case, clock: Clock) -> bool:
    """Blank one case's personal data and what officers wrote on it (once)."""
    if not case.erase_personal_data(clock()):
        return False
    await uow.cases.save(case)
    await uow.cases.blank_children(case)
    await uow.evidence.erase_of_case(case.id, clock())
    return True


async def erase_resident_data(
    cmd: commands.EraseResidentData, uow: UnitOfWork, *, clock: Clock
) -> int:
    """Record the erasure and blank every case of the resident's; how many were blanked.
    Idempotent: a second erasure of the same resident blanks nothing more."""
    async with uow:
        await uow.erasures.add(cmd.resident_id, clock())
        theirs = await uow.cases.of_resident(cmd.resident_id)
        count = sum([await erase(uow, case, clock) for case in theirs])
        await uow.commit()
    uow.data_keys.forget(cmd.resident_id)
    return count


async def sweep_erasures(cmd: commands.SweepErasures, uow: UnitOfWork, *, clock: Clock) -> int:
    """Blank any case of an erased resident not blanked yet; how many there were."""
    async with uow:
        late = await uow.cases.of_erased_residents(cmd.limit)
        count = sum([await erase(uow, case, clock) for case in late])
        await uow.commit()
    return count
