"""Changing one stored payment safely when webhooks, the poll and people race.

:func:`change_payment` loads the payment, applies a change and saves it; when another
writer saved it first (its version moved) it starts again on fresh state. A change
that is no step forward returns False and nothing is written, so a repeated message
has no second effect.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from townhall.payments.domain.exceptions import ConcurrentUpdateError, PaymentNotFoundError
from townhall.payments.domain.model import Payment
from townhall.payments.service_layer.unit_of_work import UnitOfWork

#: Changes a payment in memory; False when there was nothing to change.
Change = Callable[[Payment], bool]
#: How often a change is tried again after another writer got there first.
ATTEMPTS = 5


async def _load(uow: UnitOfWork, payment: uuid.UUID | str) -> Payment:
    """By Townhall's id (a UUID) or the provider's (a string)."""
    if isinstance(payment, uuid.UUID):
        found = await uow.payments.get(payment)
    else:
        found = await uow.payments.by_provider_id(payment)
    if found is None:
        raise PaymentNotFoundError(str(payment))
    return found


async def change_payment(
    uow: UnitOfWork, payment: uuid.UUID | str, change: Change
) -> tuple[Payment, bool]:
    """The payment after ``change``, and whether anything changed."""
    for attempt in range(ATTEMPTS):
        async with uow:
            found = await _load(uow, payment)
            if not change(found):
                return found, False
            try:
                await uow.payments.save(found)
            except ConcurrentUpdateError:
                if attempt == ATTEMPTS - 1:
                    raise
                continue
            await uow.commit()
            return found, True
    raise AssertionError("unreachable")
