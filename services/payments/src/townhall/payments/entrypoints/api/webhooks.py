"""GOV.UK Pay's webhooks: signed, delivered at least once, in no particular order.

``Pay-Signature`` is the lower-case hex HMAC-SHA256 of the raw body under the
webhook's signing secret; a message without a good one is refused (401) before its
body is even parsed, and changes nothing. A good message moves a payment or a refund
only forward, so a repeat or a late one has no effect. Every rejection is logged
(never with the body) and counted in ``townhall_payments_webhooks{outcome}``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import structlog
from fastapi import APIRouter, Request
from prometheus_client import Counter
from pydantic import BaseModel, ConfigDict, ValidationError

from townhall.payments.adapters.govuk_pay import payment_of
from townhall.payments.domain import commands
from townhall.payments.domain.exceptions import PaymentNotFoundError
from townhall.payments.domain.model import REFUND_STATUSES, STATUSES
from townhall.payments.entrypoints.api.dependencies import (
    Bus,
    Context,
    ReceivesWebhook,
    ServicesDep,
)
from townhall.payments.entrypoints.api.schemas import WebhookAccepted
from townhall.runtime.openapi import problems
from townhall.runtime.problems import Unauthorized, UnprocessableContent

router = APIRouter(tags=["webhooks"])
log = structlog.get_logger(__name__)
WEBHOOKS = Counter(
    "townhall_payments_webhooks",
    "GOV.UK Pay webhook messages, by outcome (applied, no_change, bad_signature, "
    "malformed, unknown_payment)",
    ["outcome"],
)


class WebhookMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    webhook_message_id: str | None = None
    resource_id: str
    resource_type: str
    event_type: str
    resource: dict[str, Any]


def signed(body: bytes, secret: str, signature: str) -> bool:
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def _refused(outcome: str, problem: Exception, **fields: str) -> Exception:
    WEBHOOKS.labels(outcome).inc()
    log.warning("webhook_refused", outcome=outcome, **fields)
    return problem


def _command(message: WebhookMessage) -> object:
    kind = message.resource_type.upper()
    if kind == "PAYMENT":
        state = payment_of(message.resource)
        if state.status not in STATUSES:
            raise ValueError(f"unknown payment status {state.status!r}")
        return commands.ApplyProviderState(
            state.provider_id, state.status, state.code, state.message
        )
    if kind == "REFUND":
        payment_id = message.resource.get("payment_id") or _linked_payment(message.resource)
        status = str(message.resource["status"])
        if status not in REFUND_STATUSES:
            raise ValueError(f"unknown refund status {status!r}")
        return commands.ApplyProviderRefund(str(payment_id), message.resource_id, status)
    raise ValueError(f"unknown resource_type {message.resource_type!r}")


def _linked_payment(resource: dict[str, Any]) -> str:
    href = str(resource["_links"]["payment"]["href"])
    return href.rstrip("/").rsplit("/", 1)[-1]


@router.post("/webhooks/govuk-pay", response_model=WebhookAccepted, responses=problems(404, 422))
async def govuk_pay_webhook(
    request: Request, services: ServicesDep, bus: Bus, context: Context, _: ReceivesWebhook
) -> WebhookAccepted:
    """A GOV.UK Pay webhook message, verified by its ``Pay-Signature``."""
    body = await request.body()
    secret = services.settings.govuk_pay_webhook_signing_secret
    signature = request.headers.get("Pay-Signature", "")
    if secret is None or not signed(body, secret.get_secret_value(), signature):
        raise _refused("bad_signature", Unauthorized("Pay-Signature does not match the body"))
    try:
        message = WebhookMessage.model_validate(json.loads(body))
        command = _command(message)
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        reason = f"not a GOV.UK Pay webhook message: {type(exc).__name__}"
        raise _refused("malformed", UnprocessableContent(reason)) from exc
    try:
        changed = await bus.handle(command, context)
    except PaymentNotFoundError as exc:
        raise _refused("unknown_payment", exc, resource_id=message.resource_id) from exc
    outcome = "applied" if changed else "no_change"
    WEBHOOKS.labels(outcome).inc()
    return WebhookAccepted(outcome=outcome)
