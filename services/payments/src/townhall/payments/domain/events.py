"""What happened to payments: small frozen records the unit of work publishes.

Each carries what its contract carries (``townhall.schemas.events.payments``), field
for field, so mapping one to the other is a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, kw_only=True)
class PaymentEvent:
    payment_id: UUID
    case_reference: str
    resident_id: UUID | None
    service_code: str
    amount: int
    domain: str
    sensitivity: str


@dataclass(frozen=True, kw_only=True)
class PaymentCreated(PaymentEvent):
    provider: str
    language: str
    description: str
    created_by: str
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class PaymentSucceeded(PaymentEvent):
    provider_id: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class PaymentFailed(PaymentEvent):
    status: str
    code: str | None
    reason: str


@dataclass(frozen=True, kw_only=True)
class PaymentCancelled(PaymentEvent):
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class PaymentExpired(PaymentEvent):
    expired_at: datetime


@dataclass(frozen=True, kw_only=True)
class RefundRequested(PaymentEvent):
    refund_id: UUID
    requested_by: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class RefundSucceeded(PaymentEvent):
    refund_id: UUID


@dataclass(frozen=True, kw_only=True)
class RefundFailed(PaymentEvent):
    refund_id: UUID
    reason: str = ""
