"""A payment, GOV.UK Pay's way, and what payments knows of the case it is for.

A payment's state moves only forward along GOV.UK Pay's lifecycle: created, started,
submitted, capturable, then one finished state (success, failed, cancelled, error).
Providers' messages arrive late, twice and out of order, so :meth:`Payment.advance`
ignores anything that is not a step forward: the same message three times has one
effect. A payment not finished 90 minutes after it was created expires: GOV.UK Pay
reports it as ``failed`` with code ``P0020``, and so does this model.

The amount is never the caller's: it is the case's fee (:meth:`CaseFee.due`), learned
from cases' events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from townhall.payments.domain import events
from townhall.payments.domain.events import PaymentEvent
from townhall.payments.domain.exceptions import (
    CaseNotPayableError,
    NoFeeError,
    NotRefundableError,
    RefundAmountAvailableMismatchError,
    RefundTooLargeError,
    WrongAmountError,
)

STATUSES = (
    "created",
    "started",
    "submitted",
    "capturable",
    "success",
    "failed",
    "cancelled",
    "error",
)
FINISHED = frozenset({"success", "failed", "cancelled", "error"})
_RANK = {status: min(i, 4) for i, status in enumerate(STATUSES)}
#: How long a payer has to finish paying (GOV.UK Pay's rule).
EXPIRY = timedelta(minutes=90)
#: GOV.UK Pay's code for a payment that expired.
EXPIRED = "P0020"
REFUND_STATUSES = ("submitted", "success", "error")
#: A case in one of these states takes no payment.
CLOSED_CASE_STATES = frozenset({"closed", "cancelled", "rejected"})


@dataclass
class CaseFee:
    """What payments knows of a case: its fee and where it stands (from cases' events)."""

    reference: str
    service_code: str
    domain: str
    sensitivity: str
    fee_pence: int | None
    status: str
    resident_id: UUID | None = None

    def due(self, amount: int | None) -> int:
        """The amount to pay: the fee; ``amount``, if the caller gave one, must match it."""
        if self.fee_pence is None or self.fee_pence <= 0:
            raise NoFeeError(self.reference)
        if self.status in CLOSED_CASE_STATES:
            raise CaseNotPayableError(f"case {self.reference} is {self.status}: nothing to pay")
        if amount is not None and amount != self.fee_pence:
            raise WrongAmountError(amount, self.fee_pence)
        return self.fee_pence


@dataclass
class Refund:
    id: UUID
    amount: int
    requested_by: str
    created_at: datetime
    #: What was left to refund before this one: what the provider is told it is.
    available_before: int = 0
    status: str = "submitted"
    provider_refund_id: str | None = None
    finished_at: datetime | None = None
    reason: str = ""

    @property
    def counts(self) -> bool:
        """Whether it takes from what is left to refund (not once it failed)."""
        return self.status != "error"


@dataclass
class Payment:
    id: UUID
    case_reference: str
    resident_id: UUID | None
    service_code: str
    domain: str
    sensitivity: str
    amount: int
    description: str
    language: str
    return_url: str
    provider: str
    created_by: str
    created_at: datetime
    idempotency_key: str
    request_hash: str
    status: str = "created"
    code: str | None = None
    message: str | None = None
    provider_id: str | None = None
    next_url: str | None = None
    finished_at: datetime | None = None
    refunds: list[Refund] = field(default_factory=list)
    version: int = 0
    events: list[Any] = field(default_factory=list, repr=False, compare=False)

    @property
    def taken_by_officer(self) -> bool:
        """An officer took it on the resident's behalf (on the phone, from a letter): the
        card details are typed on the provider's page by the officer, a MOTO payment."""
        return self.created_by.startswith("officer:")

    @classmethod
    def start(cls, *, fee: CaseFee, amount: int, **details: Any) -> Payment:
        """A new payment of ``amount`` for ``fee``'s case; records ``PaymentCreated``."""
        payment = cls(
            case_reference=fee.reference,
            resident_id=fee.resident_id,
            service_code=fee.service_code,
            domain=fee.domain,
            sensitivity=fee.sensitivity,
            amount=amount,
            **details,
        )
        payment.events.append(
            events.PaymentCreated(
                **payment._about(),
                provider=payment.provider,
                language=payment.language,
                description=payment.description,
                created_by=payment.created_by,
                expires_at=payment.expires_at,
            )
        )
        return payment

    @property
    def expires_at(self) -> datetime:
        return self.created_at + EXPIRY

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def expired(self, now: datetime) -> bool:
        return not self.finished and now >= self.expires_at

    def attach(self, provider_id: str, next_url: str | None) -> None:
        """The provider took the payment on: its id there, and the page to pay on."""
        self.provider_id = provider_id
        self.next_url = next_url

    def advance(
        self, status: str, now: datetime, *, code: str | None = None, message: str | None = None
    ) -> bool:
        """Move to ``status`` if that is a step forward; False (and nothing) if not."""
        if status not in _RANK:
            raise ValueError(f"unknown payment status {status!r}")
        if self.finished or _RANK[status] <= _RANK[self.status]:
            return False
        self.status = status
        if status in FINISHED:
            self.code, self.message, self.finished_at = code, message, now
            self.events.append(self._finished_event(now))
        return True

    def expire(self, now: datetime) -> bool:
        """Expire an open payment past its time (the provider said so, or never had it)."""
        return self.advance("failed", now, code=EXPIRED, message="Payment expired")

    def _finished_event(self, now: datetime) -> PaymentEvent:
        about = self._about()
        reason = self.message or ""
        if self.status == "success":
            return events.PaymentSucceeded(**about, provider_id=self.provider_id or "")
        if self.status == "cancelled":
            return events.PaymentCancelled(**about, reason=reason)
        if self.code == EXPIRED:
            return events.PaymentExpired(**about, expired_at=now)
        return events.PaymentFailed(**about, status=self.status, code=self.code, reason=reason)

    # Refunds.
    @property
    def refund_amount_available(self) -> int:
        if self.status != "success":
            return 0
        return self.amount - sum(r.amount for r in self.refunds if r.counts)

    def request_refund(
        self,
        refund_id: UUID,
        amount: int,
        claimed_available: int,
        *,
        by: str,
        now: datetime,
        reason: str = "",
    ) -> Refund:
        """Take ``amount`` back, if the caller knew what was left (GOV.UK Pay's check)."""
        if self.status != "success":
            raise NotRefundableError(f"payment {self.id} is {self.status}: nothing was taken")
        available = self.refund_amount_available
        if available == 0:
            raise NotRefundableError(f"payment {self.id} has been refunded in full")
        if claimed_available != available:
            raise RefundAmountAvailableMismatchError(claimed_available, available)
        if amount > available:
            raise RefundTooLargeError(amount, available)
        refund = Refund(refund_id, amount, by, now, available_before=available, reason=reason)
        self.refunds.append(refund)
        self.events.append(
            events.RefundRequested(
                **self._about(amount=amount), refund_id=refund_id, requested_by=by, reason=reason
            )
        )
        return refund

    def refund_by(self, requested_by: str) -> Refund | None:
        return next((r for r in self.refunds if r.requested_by == requested_by), None)

    def refund(self, refund_id: UUID) -> Refund | None:
        return next((r for r in self.refunds if r.id == refund_id), None)

    def refund_by_provider_id(self, provider_refund_id: str) -> Refund | None:
        return next((r for r in self.refunds if r.provider_refund_id == provider_refund_id), None)

    def settle_refund(
        self, refund: Refund, status: str, now: datetime, *, reason: str = ""
    ) -> bool:
        """A submitted refund succeeded or failed; anything else changes nothing."""
        if status not in REFUND_STATUSES:
            raise ValueError(f"unknown refund status {status!r}")
        if refund.status != "submitted" or status == "submitted":
            return False
        refund.status, refund.finished_at, refund.reason = status, now, reason
        about = self._about(amount=refund.amount)
        if status == "success":
            self.events.append(events.RefundSucceeded(**about, refund_id=refund.id))
        else:
            self.events.append(events.RefundFailed(**about, refund_id=refund.id, reason=reason))
        return True

    def _about(self, *, amount: int | None = None) -> dict[str, Any]:
        return {
            "payment_id": self.id,
            "case_reference": self.case_reference,
            "resident_id": self.resident_id,
            "service_code": self.service_code,
            "amount": self.amount if amount is None else amount,
            "domain": self.domain,
            "sensitivity": self.sensitivity,
        }
