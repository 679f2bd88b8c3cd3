"""The API's request and response bodies, in GOV.UK Pay's words where it has them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from townhall.payments.domain.model import FINISHED, Payment, Refund


class CreatePaymentRequest(BaseModel):
    """The amount is the case's fee: ``amount``, if sent, is only checked against it.
    Card details are never sent here: the payer types them on the provider's page."""

    model_config = ConfigDict(extra="forbid")

    return_url: str = Field(
        max_length=2000,
        pattern=r"^https?://[^\s<>\"]+$",
        description="Where the payer goes back to when they finish on the provider's page.",
        examples=["https://council.example/requests/PC-2026-000123/paid"],
    )
    language: Literal["en", "cy"] = "en"
    amount: int | None = Field(default=None, ge=1, le=10_000_000, description="In pence.")
    description: str | None = Field(default=None, min_length=1, max_length=255)


class State(BaseModel):
    status: str
    finished: bool
    code: str | None = None
    message: str | None = None


class RefundSummary(BaseModel):
    status: Literal["available", "unavailable", "full"]
    amount_available: int
    amount_submitted: int


class RefundOut(BaseModel):
    refund_id: UUID
    payment_id: UUID
    amount: int
    status: str
    created_date: datetime

    @classmethod
    def of(cls, payment_id: UUID, refund: Refund) -> RefundOut:
        return cls(
            refund_id=refund.id,
            payment_id=payment_id,
            amount=refund.amount,
            status=refund.status,
            created_date=refund.created_at,
        )


class PaymentOut(BaseModel):
    payment_id: UUID
    case_reference: str
    service_code: str
    amount: int
    description: str
    language: str
    return_url: str
    provider: str
    state: State
    created_date: datetime
    expires_at: datetime
    next_url: str | None = Field(
        default=None, description="The provider's page to pay on, while the payment is open."
    )
    refund_summary: RefundSummary
    refunds: list[RefundOut]

    @classmethod
    def of(cls, payment: Payment) -> PaymentOut:
        available = payment.refund_amount_available
        submitted = sum(r.amount for r in payment.refunds if r.counts)
        summary = (
            "unavailable"
            if payment.status != "success"
            else ("full" if available == 0 else "available")
        )
        return cls(
            payment_id=payment.id,
            case_reference=payment.case_reference,
            service_code=payment.service_code,
            amount=payment.amount,
            description=payment.description,
            language=payment.language,
            return_url=payment.return_url,
            provider=payment.provider,
            state=State(
                status=payment.status,
                finished=payment.status in FINISHED,
                code=payment.code,
                message=payment.message,
            ),
            created_date=payment.created_at,
            expires_at=payment.expires_at,
            next_url=None if payment.finished else payment.next_url,
            refund_summary=RefundSummary(
                status=summary, amount_available=available, amount_submitted=submitted
            ),
            refunds=[RefundOut.of(payment.id, r) for r in payment.refunds],
        )


class RefundRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int = Field(ge=1, le=10_000_000, description="To refund, in pence.")
    refund_amount_available: int = Field(
        ge=0, description="What you saw available to refund (refund_summary.amount_available)."
    )
    reason: str = Field(default="", max_length=500)


class WebhookAccepted(BaseModel):
    outcome: Literal["applied", "no_change"]


class RefundQuoteOut(BaseModel):
    """What cancelling the case's visit would give back, by its type's refund rule, before
    anything is cancelled (booking cancels; payments refunds on hearing of it)."""

    case_reference: str
    paid: int = Field(description="Pence the case's fee was paid with (0: not paid).")
    refund_now: int = Field(description="Pence refunded if the visit is cancelled now.")
    refund_later: int = Field(description="Pence refunded if cancelled after the cut-off.")
    changes_at: datetime | None = Field(
        description="When refund_now becomes refund_later (null: it has, or they are equal)."
    )
    automatic: bool = Field(
        description="Whether the type has a refund rule (false: only an officer refunds)."
    )
