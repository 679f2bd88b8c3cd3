"""Events published by the payments service on ``payments.events``.

A payment is for one case (``case_reference``) and takes the case's service area and
sensitivity, as cases' own events do, so the timeline's policy treats a fee the way it
treats the request it pays for. Amounts are in pence. No card detail travels here, nor
anywhere in Townhall: the card is typed into the provider's page only.

Cases reacts to ``payment.succeeded`` and ``payment.failed`` (``case_reference``,
``resident_id``, ``payment_id``, ``reason``); the rest are for the timeline, reporting
and the finance team. An expired payment (not completed within 90 minutes) is
``payment.expired``, never ``payment.failed``: the resident simply has not paid yet.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from townhall.schemas.envelope import Sensitivity
from townhall.schemas.events.base import DomainEvent

Language = Literal["en", "cy"]
Provider = Literal["sandbox", "govuk_pay"]


class _PaymentEvent(DomainEvent):
    """What every payment event carries: the payment, its case and its service area."""

    SOURCE: ClassVar[str] = "/townhall/payments"
    DOMAIN: ClassVar[str] = "payments"

    payment_id: UUID = Field(description="Townhall's id of the payment.")
    case_reference: str = Field(description="The case the fee is for, e.g. PC-2026-000123.")
    resident_id: UUID | None = Field(
        default=None, description="The case's resident, when known (absent while unmatched)."
    )
    service_code: str = Field(description="The case's service type, e.g. pest_control.")
    amount: int = Field(ge=0, description="The payment's amount, in pence.")
    domain: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="The case's service area.")
    sensitivity: Sensitivity = Field(description="How sensitive the case's service type is.")

    @property
    def subject(self) -> str:
        return f"payment/{self.payment_id}"

    def envelope_domain(self) -> str:
        return self.domain

    def envelope_sensitivity(self) -> Sensitivity:
        return self.sensitivity


class PaymentCreated(_PaymentEvent):
    """A payment was started for a case's fee; the payer is sent to the provider's page."""

    TYPE: ClassVar[str] = "townhall.payments.payment.created.v1"
    SUMMARY: ClassVar[str] = "Payment started"

    provider: Provider
    language: Language
    description: str
    created_by: str = Field(description="resident:<id>, officer:<id> or service:<client>.")
    expires_at: datetime = Field(description="When it expires unless completed.")


class PaymentSucceeded(_PaymentEvent):
    """The provider took the payment: the case's fee is paid."""

    TYPE: ClassVar[str] = "townhall.payments.payment.succeeded.v1"
    SUMMARY: ClassVar[str] = "Payment received"

    reason: str = Field(default="", description="Empty: kept for the shape cases reads.")
    provider_id: str = Field(description="The provider's id of the payment.")


class PaymentFailed(_PaymentEvent):
    """The payment did not go through (declined, or an error at the provider)."""

    TYPE: ClassVar[str] = "townhall.payments.payment.failed.v1"
    SUMMARY: ClassVar[str] = "Payment failed"

    status: Literal["failed", "error"]
    code: str | None = Field(default=None, description="The provider's code, e.g. P0010.")
    reason: str = Field(description="Why, in the provider's words (never card details).")


class PaymentCancelled(_PaymentEvent):
    """The payment was cancelled (by the payer on the provider's page, or the council)."""

    TYPE: ClassVar[str] = "townhall.payments.payment.cancelled.v1"
    SUMMARY: ClassVar[str] = "Payment cancelled"

    reason: str = ""


class PaymentExpired(_PaymentEvent):
    """Not completed within 90 minutes of being created; no money was taken."""

    TYPE: ClassVar[str] = "townhall.payments.payment.expired.v1"
    SUMMARY: ClassVar[str] = "Payment expired"

    expired_at: datetime


class _RefundEvent(_PaymentEvent):
    refund_id: UUID = Field(description="Townhall's id of the refund.")

    @property
    def subject(self) -> str:
        return f"payment/{self.payment_id}/refund/{self.refund_id}"


class RefundRequested(_RefundEvent):
    """An officer asked for (part of) a payment back; ``amount`` is the refund's."""

    TYPE: ClassVar[str] = "townhall.payments.refund.requested.v1"
    SUMMARY: ClassVar[str] = "Refund requested"

    requested_by: str = Field(description="officer:<id> or service:<client>.")
    reason: str = ""


class RefundSucceeded(_RefundEvent):
    """The provider sent the refund to the payer's bank."""

    TYPE: ClassVar[str] = "townhall.payments.refund.refunded.v1"
    SUMMARY: ClassVar[str] = "Refunded"


class RefundFailed(_RefundEvent):
    """The provider could not make the refund; nothing was paid back."""

    TYPE: ClassVar[str] = "townhall.payments.refund.failed.v1"
    SUMMARY: ClassVar[str] = "Refund failed"

    reason: str = ""
