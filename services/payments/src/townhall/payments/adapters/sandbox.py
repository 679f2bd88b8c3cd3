"""The built-in sandbox provider: GOV.UK Pay's behaviour, with no account and no money.

It is the embedded default, so a newcomer pays on ``make run``: creating a payment
gives a ``next_url`` on the payments service's own card page
(``entrypoints/api/sandbox_pages.py``), which takes GOV.UK Pay's test card numbers:

* ``4444333322221111`` succeeds,
* ``4000000000000002`` is declined (``failed``, ``P0010``),
* ``4000000000000119`` errors at the provider (``error``, ``P0050``).

The card number decides the outcome and is then dropped: it is never stored, logged or
passed on, in the sandbox either. Every change of state is told to the payments service
as a webhook would be (``listener``), so the sandbox exercises the same path as GOV.UK
Pay. Its records are in memory: a restart forgets open card pages, and the poll then
expires those payments when their 90 minutes are up.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from townhall.payments.domain.exceptions import (
    ProviderError,
    RefundAmountAvailableMismatchError,
)
from townhall.payments.domain.model import EXPIRED, EXPIRY, FINISHED
from townhall.payments.service_layer.providers import (
    NewPayment,
    ProviderEvent,
    ProviderPayment,
    ProviderRefund,
)
from townhall.runtime.clock import Clock, utc_now

#: Test card number → (status, code, message), as GOV.UK Pay's test cards behave.
TEST_CARDS: dict[str, tuple[str, str | None, str | None]] = {
    "4444333322221111": ("success", None, None),
    "4000000000000002": ("failed", "P0010", "Payment method rejected"),
    "4000000000000119": ("error", "P0050", "Payment provider returned an error"),
}
#: Told of every change: (provider id, status, code, message).
Listener = Callable[[str, str, str | None, str | None], Awaitable[object]]


class UnknownTestCardError(ValueError):
    """Not one of the sandbox's test cards (the number itself is not repeated)."""


@dataclass
class Charge:
    payment: NewPayment
    provider_id: str
    created_at: datetime
    next_url: str
    status: str = "created"
    code: str | None = None
    message: str | None = None
    history: list[ProviderEvent] = field(default_factory=list)
    refunds: list[ProviderRefund] = field(default_factory=list)

    @property
    def refund_amount_available(self) -> int:
        if self.status != "success":
            return 0
        return self.payment.amount - sum(r.amount for r in self.refunds if r.status != "error")


class SandboxProvider:
    name = "sandbox"

    def __init__(self, base_url: str, *, clock: Clock = utc_now):
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.charges: dict[str, Charge] = {}
        self.by_key: dict[str, str] = {}
        self.listener: Listener | None = None

    async def create(self, payment: NewPayment) -> ProviderPayment:
        known = self.by_key.get(payment.idempotency_key)
        if known is not None:
            return self._view(self.charges[known])
        provider_id = secrets.token_hex(13)
        charge = Charge(
            payment, provider_id, self.clock(), f"{self.base_url}/sandbox/card/{provider_id}"
        )
        charge.history.append(ProviderEvent("created", charge.created_at))
        self.charges[provider_id] = charge
        self.by_key[payment.idempotency_key] = provider_id
        return self._view(charge)

    async def get(self, provider_id: str) -> ProviderPayment:
        return self._view(self._charge(provider_id))

    async def events(self, provider_id: str) -> list[ProviderEvent]:
        return list(self._charge(provider_id).history)

    async def refund(
        self, provider_id: str, amount: int, refund_amount_available: int
    ) -> ProviderRefund:
        charge = self._charge(provider_id)
        if charge.refund_amount_available != refund_amount_available:
            raise RefundAmountAvailableMismatchError(
                refund_amount_available, charge.refund_amount_available
            )
        if amount > charge.refund_amount_available or amount <= 0:
            raise ProviderError(f"P0602: cannot refund {amount} pence")
        refund = ProviderRefund(secrets.token_hex(13), provider_id, amount, "success", self.clock())
        charge.refunds.append(refund)
        return refund

    async def get_refund(self, provider_id: str, provider_refund_id: str) -> ProviderRefund:
        found = [
            r
            for r in self._charge(provider_id).refunds
            if r.provider_refund_id == provider_refund_id
        ]
        if not found:
            raise ProviderError(f"P0700: the sandbox has no refund {provider_refund_id}")
        return found[0]

    async def payments_between(self, start: datetime, end: datetime) -> list[ProviderPayment]:
        return [self._view(c) for c in self.charges.values() if start <= c.created_at < end]

    async def refunds_between(self, start: datetime, end: datetime) -> list[ProviderRefund]:
        found = [r for c in self.charges.values() for r in c.refunds]
        return [r for r in found if start <= r.created_at < end]

    # The card page.
    async def open_page(self, provider_id: str) -> Charge:
        """The payer opened the card page: the payment has started."""
        charge = self._charge(provider_id)
        await self._move(charge, "started")
        return charge

    async def pay(self, provider_id: str, card_number: str) -> Charge:
        """The payer submitted a card: its number picks the outcome, then is forgotten."""
        charge = self._charge(provider_id)
        outcome = TEST_CARDS.get("".join(card_number.split()))
        if outcome is None:
            raise UnknownTestCardError("use one of the sandbox's test card numbers")
        status, code, message = outcome
        if status == "success":
            await self._move(charge, "submitted")
        await self._move(charge, status, code, message)
        return charge

    async def cancel(self, provider_id: str) -> None:
        """The council cancelled it (GOV.UK Pay: cancelled, P0040)."""
        charge = self._charge(provider_id)
        if charge.status in FINISHED:
            raise ProviderError(f"P0502: payment {provider_id} cannot be cancelled")
        await self._move(charge, "cancelled", "P0040", "Payment was cancelled by the service")

    async def give_up(self, provider_id: str) -> Charge:
        """The payer chose to cancel on the card page (GOV.UK Pay: failed, P0030)."""
        charge = self._charge(provider_id)
        await self._move(charge, "failed", "P0030", "Payment was cancelled by the user")
        return charge

    def _charge(self, provider_id: str) -> Charge:
        charge = self.charges.get(provider_id)
        if charge is None:
            raise ProviderError(f"P0200: the sandbox has no payment {provider_id}")
        self._expire_if_due(charge)
        return charge

    def _expire_if_due(self, charge: Charge) -> None:
        if charge.status not in FINISHED and self.clock() >= charge.created_at + EXPIRY:
            charge.status, charge.code, charge.message = "failed", EXPIRED, "Payment expired"
            charge.history.append(ProviderEvent("failed", self.clock()))

    async def _move(
        self, charge: Charge, status: str, code: str | None = None, message: str | None = None
    ) -> None:
        if charge.status in FINISHED or charge.status == status:
            return
        charge.status, charge.code, charge.message = status, code, message
        charge.history.append(ProviderEvent(status, self.clock()))
        if self.listener is not None:
            await self.listener(charge.provider_id, status, code, message)

    def _view(self, charge: Charge) -> ProviderPayment:
        return ProviderPayment(
            provider_id=charge.provider_id,
            status=charge.status,
            amount=charge.payment.amount,
            reference=charge.payment.reference,
            created_at=charge.created_at,
            next_url=None if charge.status in FINISHED else charge.next_url,
            code=charge.code,
            message=charge.message,
            refund_amount_available=charge.refund_amount_available,
        )
