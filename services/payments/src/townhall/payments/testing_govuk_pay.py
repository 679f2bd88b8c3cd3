"""A local stub of GOV.UK Pay's public API, for tests and the benchmark (never a default).

It speaks Pay's documented shapes and checks requests as Pay does:

* ``Authorization: Bearer <key>`` must be the key it was made with (401 otherwise);
* ``POST /v1/payments``: ``amount`` (1 to 10,000,000 pence), ``reference`` and
  ``description`` (≤ 255), ``return_url`` (https, ≤ 2000) are required (``P0101``) and
  valid (``P0102``); ``language`` is ``en`` or ``cy``, ``moto`` a boolean; the body
  must be JSON (``P0197``); an ``Idempotency-Key`` seen before with another body is
  refused (``P0191``);
* ``GET /v1/payments/{id}`` and ``…/events`` (``P0200``/``P0300`` when unknown);
* ``POST /v1/payments/{id}/cancel``: 204, or ``P0502`` once the payment is finished;
* ``POST /v1/payments/{id}/refunds``: both fields required (``P0601``), only a payment in
  ``success`` (``P0603``), ``refund_amount_available`` must match (412, ``P0604``);
  ``GET …/refunds/{refund_id}`` (``P0700`` when unknown);
* ``GET /v1/payments`` and ``GET /v1/refunds`` searches by ``from_date``/``to_date``.

Errors are Pay's bodies: ``{"code": …, "description": …}`` (and ``field``). The test
drives the payer's side with :meth:`GovukPayStub.finish` and makes signed webhook
messages with :meth:`GovukPayStub.webhook`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from townhall.runtime.clock import Clock, utc_now

FINISHED = {"success", "failed", "cancelled", "error"}
_REQUIRED = ("amount", "reference", "description", "return_url")


def _date(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(status: int, code: str, description: str, field: str | None = None) -> JSONResponse:
    body = {"code": code, "description": description} | ({"field": field} if field else {})
    return JSONResponse(body, status_code=status)


@dataclass
class StubPayment:
    payment_id: str
    body: dict[str, Any]
    created: datetime
    status: str = "created"
    code: str | None = None
    message: str | None = None
    events: list[tuple[str, datetime]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def available(self) -> int:
        if self.status != "success":
            return 0
        taken = sum(int(r["amount"]) for r in self.refunds if r["status"] != "error")
        return int(self.body["amount"]) - taken


class GovukPayStub:
    def __init__(self, api_key: str, *, base_url: str = "http://pay", clock: Clock = utc_now):
        self.api_key = api_key
        self.base_url = base_url
        self.clock = clock
        self.payments: dict[str, StubPayment] = {}
        self.keys: dict[str, tuple[str, dict[str, Any]]] = {}
        self.requests: list[tuple[str, str]] = []
        self.app = self._app()

    # The payer's side, and webhooks.
    def finish(self, payment_id: str, status: str, code: str | None = None) -> None:
        payment = self.payments[payment_id]
        payment.status, payment.code = status, code
        payment.message = None if code is None else f"stub outcome {code}"
        payment.events.append((status, self.clock()))

    def webhook(
        self, payment_id: str, secret: str, event_type: str = "card_payment_succeeded"
    ) -> tuple[bytes, str]:
        """A webhook message about the payment as it now is, and its Pay-Signature."""
        message = {
            "id": secrets.token_hex(8),
            "api_version": 1,
            "created_date": _date(self.clock()),
            "resource_id": payment_id,
            "resource_type": "PAYMENT",
            "event_type": event_type.upper(),
            "resource": self.view(self.payments[payment_id]),
        }
        body = json.dumps(message).encode()
        return body, hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    def view(self, payment: StubPayment) -> dict[str, Any]:
        state: dict[str, Any] = {"status": payment.status, "finished": payment.status in FINISHED}
        if payment.code:
            state |= {"code": payment.code, "message": payment.message}
        links: dict[str, Any] = {
            "self": {"href": f"{self.base_url}/v1/payments/{payment.payment_id}", "method": "GET"}
        }
        if payment.status not in FINISHED:
            links["next_url"] = {
                "href": f"{self.base_url}/secure/{payment.payment_id}",
                "method": "GET",
            }
        submitted = sum(r["amount"] for r in payment.refunds if r["status"] != "error")
        return {
            **{k: payment.body[k] for k in (*_REQUIRED, "language")},
            "payment_id": payment.payment_id,
            "moto": payment.body.get("moto", False),
            "created_date": _date(payment.created),
            "state": state,
            "payment_provider": "sandbox",
            "refund_summary": {
                "status": "available" if payment.available else "unavailable",
                "amount_available": payment.available,
                "amount_submitted": submitted,
            },
            "_links": links,
        }

    # The API.
    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.middleware("http")
        async def authorise(request: Request, call_next: Any) -> Any:
            self.requests.append((request.method, request.url.path))
            if request.headers.get("Authorization") != f"Bearer {self.api_key}":
                return JSONResponse(
                    {"code": "P0120", "description": "Unauthorised"}, status_code=401
                )
            return await call_next(request)

        app.post("/v1/payments")(self._create)
        app.get("/v1/payments")(self._search_payments)
        app.get("/v1/refunds")(self._search_refunds)
        app.get("/v1/payments/{payment_id}")(self._get)
        app.get("/v1/payments/{payment_id}/events")(self._events)
        app.post("/v1/payments/{payment_id}/refunds")(self._refund)
        app.post("/v1/payments/{payment_id}/cancel")(self._cancel)
        app.get("/v1/payments/{payment_id}/refunds/{refund_id}")(self._get_refund)
        return app

    async def _create(self, request: Request) -> JSONResponse:
        try:
            body = json.loads(await request.body())
            assert isinstance(body, dict)
        except (ValueError, AssertionError):
            return _error(400, "P0197", "Unable to parse JSON")
        problem = self._invalid(body)
        if problem is not None:
            return problem
        key = request.headers.get("Idempotency-Key")
        if key and key in self.keys:
            known, sent = self.keys[key]
            if sent != body:
                return _error(409, "P0191", "The Idempotency-Key has already been used")
            return JSONResponse(self.view(self.payments[known]), status_code=200)
        payment = StubPayment(secrets.token_hex(13), {"language": "en", **body}, self.clock())
        payment.events.append(("created", payment.created))
        self.payments[payment.payment_id] = payment
        if key:
            self.keys[key] = (payment.payment_id, body)
        return JSONResponse(self.view(payment), status_code=201)

    def _invalid(self, body: dict[str, Any]) -> JSONResponse | None:
        for name in _REQUIRED:
            if name not in body:
                return _error(400, "P0101", f"Missing mandatory attribute: {name}", name)
        amount = body["amount"]
        if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= 10_000_000:
            return _error(422, "P0102", "Invalid attribute value: amount", "amount")
        for name, limit in (("reference", 255), ("description", 255), ("return_url", 2000)):
            if not isinstance(body[name], str) or not 0 < len(body[name]) <= limit:
                return _error(422, "P0102", f"Invalid attribute value: {name}", name)
        if not body["return_url"].startswith("https://"):
            return _error(422, "P0102", "Invalid attribute value: return_url", "return_url")
        if body.get("language", "en") not in ("en", "cy"):
            return _error(422, "P0102", "Invalid attribute value: language", "language")
        if not isinstance(body.get("moto", False), bool):
            return _error(422, "P0102", "Invalid attribute value: moto", "moto")
        return None

    async def _get(self, payment_id: str) -> JSONResponse:
        payment = self.payments.get(payment_id)
        if payment is None:
            return _error(404, "P0200", "Not found")
        return JSONResponse(self.view(payment))

    async def _cancel(self, payment_id: str) -> Response:
        payment = self.payments.get(payment_id)
        if payment is None:
            return _error(404, "P0500", "Not found")
        if payment.status in FINISHED:
            return _error(400, "P0502", "Cancellation of payment failed")
        self.finish(payment_id, "cancelled", "P0040")
        return Response(status_code=204)

    async def _events(self, payment_id: str) -> JSONResponse:
        payment = self.payments.get(payment_id)
        if payment is None:
            return _error(404, "P0300", "Not found")
        events = [
            {
                "payment_id": payment_id,
                "state": {"status": s, "finished": s in FINISHED},
                "updated": _date(at),
            }
            for s, at in payment.events
        ]
        return JSONResponse({"payment_id": payment_id, "events": events})

    async def _refund(self, payment_id: str, request: Request) -> JSONResponse:
        payment = self.payments.get(payment_id)
        if payment is None:
            return _error(404, "P0600", "Not found")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _error(400, "P0697", "Unable to parse JSON")
        if not isinstance(body, dict) or {"amount", "refund_amount_available"} - body.keys():
            return _error(400, "P0601", "Missing mandatory attribute")
        if payment.status != "success":
            return _error(400, "P0603", "The payment is not available for refund")
        if body["refund_amount_available"] != payment.available:
            return _error(412, "P0604", "Refund amount available mismatch")
        if not 1 <= body["amount"] <= payment.available:
            return _error(400, "P0602", "Invalid attribute value: amount")
        refund = {
            "refund_id": secrets.token_hex(13),
            "payment_id": payment_id,
            "created_date": _date(self.clock()),
            "amount": body["amount"],
            "status": "submitted",
        }
        payment.refunds.append(refund)
        return JSONResponse(refund, status_code=202)

    async def _get_refund(self, payment_id: str, refund_id: str) -> JSONResponse:
        payment = self.payments.get(payment_id)
        found = [r for r in (payment.refunds if payment else []) if r["refund_id"] == refund_id]
        if not found:
            return _error(404, "P0700", "Not found")
        return JSONResponse(found[0])

    def _between(self, request: Request, moment: datetime) -> bool:
        start = datetime.fromisoformat(request.query_params["from_date"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(request.query_params["to_date"].replace("Z", "+00:00"))
        return start <= moment < end

    async def _search_payments(self, request: Request) -> JSONResponse:
        found = [self.view(p) for p in self.payments.values() if self._between(request, p.created)]
        return JSONResponse(
            {"total": len(found), "count": len(found), "page": 1, "results": found, "_links": {}}
        )

    async def _search_refunds(self, request: Request) -> JSONResponse:
        found = [
            r
            for p in self.payments.values()
            for r in p.refunds
            if self._between(
                request, datetime.fromisoformat(r["created_date"].replace("Z", "+00:00"))
            )
        ]
        return JSONResponse(
            {"total": len(found), "count": len(found), "page": 1, "results": found, "_links": {}}
        )
