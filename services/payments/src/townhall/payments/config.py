"""Settings of the payments service (environment variables, see townhall.runtime.settings).

Switching from the sandbox to GOV.UK Pay is three settings: ``PAYMENT_PROVIDER=govuk_pay``,
``GOVUK_PAY_API_KEY`` (from Pay's admin tool; a test key for a test service) and
``GOVUK_PAY_WEBHOOK_SIGNING_SECRET`` (the webhook's signing secret, from the same
place), with the webhook's callback URL set to ``https://<payments>/webhooks/govuk-pay``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from townhall.runtime.settings import OptionalSecret, ServiceSettings


class RefundRuleSetting(BaseModel):
    """A type's refund when its booked visit is cancelled: ``before_percent`` of the fee
    if cancelled at least ``cutoff_hours`` before the visit, else ``after_percent``."""

    cutoff_hours: float = Field(ge=0)
    before_percent: int = Field(default=100, ge=0, le=100)
    after_percent: int = Field(default=0, ge=0, le=100)


#: The shipped types with a fee and a booking: the whole fee back until a day before.
DEFAULT_REFUND_RULES = {
    "pest_control": RefundRuleSetting(cutoff_hours=24),
    "bulky_waste": RefundRuleSetting(cutoff_hours=24),
}


class PaymentsSettings(ServiceSettings):
    service_name: str = "payments"
    port: int = 8004
    database_url: str = "sqlite+aiosqlite:///var/payments.db"
    #: ``sandbox`` (the embedded default: a card page served here, test cards only) or
    #: ``govuk_pay`` (the real thing).
    payment_provider: Literal["sandbox", "govuk_pay"] = "sandbox"
    govuk_pay_base_url: str = "https://publicapi.payments.service.gov.uk"
    govuk_pay_api_key: OptionalSecret = None
    govuk_pay_timeout_s: float = 10.0
    #: Pay-Signature is an HMAC-SHA256 of the body under this secret; unset: every
    #: webhook is refused.
    govuk_pay_webhook_signing_secret: OptionalSecret = None
    #: Where payers reach this service (the sandbox's card page links are made from it);
    #: ``SERVICE_URLS_JSON``'s ``payments`` wins when set (``townhall up`` sets it).
    public_url: str = "http://127.0.0.1:8004"
    #: Learn case fees from cases' events (consumer group "payments").
    consumers_enabled: bool = True
    #: How often to ask the provider about payments open past their expiry (0: never).
    poll_interval_s: float = 60.0
    poll_batch_size: int = 100
    #: Per service type (JSON, e.g. ``{"bulky_waste": {"cutoff_hours": 48}}``); a type
    #: not named gets no automatic refund when its visit is cancelled.
    refund_rules: dict[str, RefundRuleSetting] = Field(
        default_factory=lambda: dict(DEFAULT_REFUND_RULES)
    )
