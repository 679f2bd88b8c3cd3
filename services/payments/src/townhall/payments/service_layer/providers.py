"""The one interface every payment provider is used through.

Two providers implement it: the built-in sandbox (``adapters/sandbox.py``, the embedded
default, with its own card page) and GOV.UK Pay (``adapters/govuk_pay.py``, its REST
API). Handlers see only this protocol; ``bootstrap`` chooses one from the settings.
A provider never sees a card number pass through Townhall: the payer types it into the
provider's page (``next_url``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class NewPayment:
    """What a provider is asked to take. ``idempotency_key`` makes a retried create safe."""

    amount: int
    reference: str
    description: str
    language: str
    return_url: str
    idempotency_key: str
    #: Taken by an officer on the phone or from a letter: GOV.UK Pay's MOTO payment (no
    #: 3-D Secure step the caller could not complete; the service must have MOTO on).
    moto: bool = False


@dataclass(frozen=True)
class ProviderPayment:
    """A payment as the provider sees it."""

    provider_id: str
    status: str
    amount: int
    reference: str
    created_at: datetime
    next_url: str | None = None
    code: str | None = None
    message: str | None = None
    refund_amount_available: int = 0


@dataclass(frozen=True)
class ProviderRefund:
    provider_refund_id: str
    provider_id: str
    amount: int
    status: str
    created_at: datetime


@dataclass(frozen=True)
class ProviderEvent:
    """One change of a payment's state, oldest first."""

    status: str
    at: datetime


class PaymentProvider(Protocol):
    name: str

    async def create(self, payment: NewPayment) -> ProviderPayment: ...

    async def get(self, provider_id: str) -> ProviderPayment: ...

    async def cancel(self, provider_id: str) -> None:
        """Cancel a payment not yet finished (GOV.UK Pay: ``cancelled``, ``P0040``)."""
        ...

    async def events(self, provider_id: str) -> list[ProviderEvent]: ...

    async def refund(
        self, provider_id: str, amount: int, refund_amount_available: int
    ) -> ProviderRefund: ...

    async def get_refund(self, provider_id: str, provider_refund_id: str) -> ProviderRefund: ...

    async def payments_between(self, start: datetime, end: datetime) -> list[ProviderPayment]:
        """Payments created in [start, end), for reconciliation."""
        ...

    async def refunds_between(self, start: datetime, end: datetime) -> list[ProviderRefund]: ...
