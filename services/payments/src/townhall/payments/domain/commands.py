"""What payments is asked to do: small frozen commands, one handler each."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID


@dataclass(frozen=True)
class Actor:
    """Who asks: ``kind`` is resident, officer, service or anonymous; ``domains`` the
    service areas an officer holds a role in; ``tracking`` the one request a resident's
    tracking token is good for."""

    subject: str
    kind: str
    domains: frozenset[str] = frozenset()
    tracking: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.subject}"


@dataclass(frozen=True)
class RecordCaseFee:
    """Cases said a case was submitted: remember its fee (if any) and its area."""

    reference: str
    service_code: str
    domain: str
    sensitivity: str
    fee_pence: int | None
    status: str
    resident_id: UUID | None = None


@dataclass(frozen=True)
class RecordCaseStatus:
    reference: str
    status: str


@dataclass(frozen=True)
class CreatePayment:
    """Pay a case's fee. ``amount`` may be given only to be checked against the fee."""

    case_reference: str
    idempotency_key: str
    actor: Actor
    return_url: str
    language: str = "en"
    amount: int | None = None
    description: str | None = None

    @property
    def scoped_key(self) -> str:
        """The key as stored: one caller's key never meets another caller's."""
        return f"{self.actor.label}:{self.idempotency_key}"

    def fingerprint(self) -> str:
        """What the same key must be sent with again to get the same payment."""
        body = {
            "case_reference": self.case_reference,
            "amount": self.amount,
            "description": self.description,
            "language": self.language,
            "return_url": self.return_url,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class ApplyProviderState:
    """The provider says where a payment stands (a webhook, the sandbox, a poll)."""

    provider_id: str
    status: str
    code: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class ApplyProviderRefund:
    """The provider says where a refund stands."""

    provider_id: str
    provider_refund_id: str
    status: str


@dataclass(frozen=True)
class RefundPayment:
    payment_id: UUID
    amount: int
    refund_amount_available: int
    actor: Actor
    reason: str = ""


@dataclass(frozen=True)
class CatchUp:
    """Ask the provider about payments still open past their expiry."""

    limit: int = 100


@dataclass(frozen=True)
class Reconcile:
    """The day's payments and refunds against the provider's records."""

    day: date


@dataclass(frozen=True)
class RefundCancelledVisit:
    """Booking says a case's visit was cancelled: refund by the type's rule."""

    case_reference: str
    appointment_id: str
    starts_at: datetime | None
    cancelled_at: datetime


@dataclass(frozen=True)
class SendRefunds:
    """Send the provider refunds requested but never sent (the cancelled visits')."""

    limit: int = 100


@dataclass(frozen=True)
class RefreshPayment:
    """Ask the provider where an open payment stands (the payer came back to us)."""

    payment_id: UUID
