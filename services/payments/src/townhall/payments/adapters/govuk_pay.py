"""GOV.UK Pay over its REST API (``/v1/payments``, refunds, events, searches).

Base URL and API key come from the settings (``GOVUK_PAY_BASE_URL``,
``GOVUK_PAY_API_KEY``). Every failure becomes a :class:`ProviderError` carrying Pay's
``code`` and ``description`` (its error bodies: ``{"code": "P0102", "field": …,
"description": …}``), except Pay's 412 on a refund, which is
:class:`RefundAmountAvailableMismatchError`: someone refunded meanwhile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from townhall.payments.domain.exceptions import (
    ProviderError,
    RefundAmountAvailableMismatchError,
)
from townhall.payments.service_layer.providers import (
    NewPayment,
    ProviderEvent,
    ProviderPayment,
    ProviderRefund,
)

#: Pay's searches answer at most this many results a page.
PAGE_SIZE = 500


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def payment_of(body: dict[str, Any]) -> ProviderPayment:
    """A payment as Pay's JSON describes it (also a webhook's ``resource``)."""
    state = body.get("state") or {}
    links = body.get("_links") or {}
    summary = body.get("refund_summary") or {}
    return ProviderPayment(
        provider_id=str(body["payment_id"]),
        status=str(state["status"]),
        amount=int(body["amount"]),
        reference=str(body.get("reference", "")),
        created_at=_moment(str(body["created_date"])),
        next_url=(links.get("next_url") or {}).get("href"),
        code=state.get("code"),
        message=state.get("message"),
        refund_amount_available=int(summary.get("amount_available", 0)),
    )


def refund_of(body: dict[str, Any], provider_id: str) -> ProviderRefund:
    return ProviderRefund(
        provider_refund_id=str(body["refund_id"]),
        provider_id=str(body.get("payment_id") or provider_id),
        amount=int(body["amount"]),
        status=str(body["status"]),
        created_at=_moment(str(body["created_date"])),
    )


class GovukPayProvider:
    name = "govuk_pay"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            timeout=timeout_s,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def create(self, payment: NewPayment) -> ProviderPayment:
        body = {
            "amount": payment.amount,
            "reference": payment.reference,
            "description": payment.description,
            "return_url": payment.return_url,
            "language": payment.language,
        }
        if payment.moto:  # Pay leaves out 3-D Secure; the Pay service must have MOTO on
            body["moto"] = True
        headers = {"Idempotency-Key": payment.idempotency_key}
        return payment_of(await self._call("POST", "/v1/payments", json=body, headers=headers))

    async def get(self, provider_id: str) -> ProviderPayment:
        return payment_of(await self._call("GET", f"/v1/payments/{provider_id}"))

    async def cancel(self, provider_id: str) -> None:
        await self._call("POST", f"/v1/payments/{provider_id}/cancel")

    async def events(self, provider_id: str) -> list[ProviderEvent]:
        body = await self._call("GET", f"/v1/payments/{provider_id}/events")
        return [
            ProviderEvent(str(e["state"]["status"]), _moment(str(e["updated"])))
            for e in body.get("events", [])
        ]

    async def refund(
        self, provider_id: str, amount: int, refund_amount_available: int
    ) -> ProviderRefund:
        body = {"amount": amount, "refund_amount_available": refund_amount_available}
        try:
            answer = await self._call("POST", f"/v1/payments/{provider_id}/refunds", json=body)
        except _PreconditionFailedError as exc:
            raise RefundAmountAvailableMismatchError(refund_amount_available) from exc
        return refund_of(answer, provider_id)

    async def get_refund(self, provider_id: str, provider_refund_id: str) -> ProviderRefund:
        path = f"/v1/payments/{provider_id}/refunds/{provider_refund_id}"
        return refund_of(await self._call("GET", path), provider_id)

    async def payments_between(self, start: datetime, end: datetime) -> list[ProviderPayment]:
        return [payment_of(r) for r in await self._search("/v1/payments", start, end)]

    async def refunds_between(self, start: datetime, end: datetime) -> list[ProviderRefund]:
        return [refund_of(r, "") for r in await self._search("/v1/refunds", start, end)]

    async def _search(self, path: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            params = {
                "from_date": start.isoformat().replace("+00:00", "Z"),
                "to_date": end.isoformat().replace("+00:00", "Z"),
                "display_size": str(PAGE_SIZE),
                "page": str(page),
            }
            body = await self._call("GET", path, params=params)
            found.extend(body.get("results", []))
            if not (body.get("_links") or {}).get("next_page"):
                return found
            page += 1

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ProviderError(f"GOV.UK Pay unreachable: {type(exc).__name__}") from exc
        if response.status_code == 412:
            raise _PreconditionFailedError(_described(response))
        if response.status_code >= 400:
            raise ProviderError(_described(response))
        if response.status_code == 204:
            return {}
        body: dict[str, Any] = response.json()
        return body


class _PreconditionFailedError(ProviderError):
    pass


def _described(response: httpx.Response) -> str:
    """Pay's ``code: description``, or the status when the body says nothing."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if isinstance(body, dict) and body.get("code"):
        return f"{body['code']}: {body.get('description', '')}".strip()
    return f"GOV.UK Pay answered {response.status_code}"
