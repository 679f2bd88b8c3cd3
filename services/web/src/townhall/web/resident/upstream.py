"""The APIs the resident pages call besides the catalogue and tracking (``upstream.py``):
identity's one-time codes for residents without an account, and payments' fees. Over
HTTP through the same :class:`~townhall.web.upstream.ServiceClient`, failing with the
same errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from townhall.web.upstream import ServiceClient


@dataclass(frozen=True)
class Visit:
    """A resident's access token from a one-time code: short, no refresh token."""

    access_token: str
    expires_in: int


class ResidentAccess:
    """Identity's progressive authentication for residents without an account: a
    one-time code sent to an email address or phone number, redeemed for a token."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def send_code(self, contact: Mapping[str, str], language: str) -> str:
        """``contact``: ``email`` or ``phone``, with ``given_name`` and ``family_name``
        to report, or ``request_reference`` to follow a request; the message goes in
        ``language`` (the one the resident is reading). The code's reference (identity
        answers the same whether or not it sent one)."""
        body = await self.client.call(
            "POST", "/auth/tracking", json={**contact, "language": language}
        )
        return str(body["reference"])

    async def name_request(self, token: str, reference: str) -> Visit:
        """The token of a code to report, for one naming the request just made with it
        (so the reporter follows and pays without a second code)."""
        body = await self.client.call(
            "POST", "/auth/tracking/request", token=token, json={"request_reference": reference}
        )
        return Visit(str(body["access_token"]), int(body["expires_in"]))

    async def redeem(self, reference: str, code: str, client_address: str) -> Visit:
        body = await self.client.call(
            "POST",
            "/auth/codes/redeem",
            json={"reference": reference, "code": code},
            headers={"X-Forwarded-For": client_address},
        )
        return Visit(str(body["access_token"]), int(body["expires_in"]))


class Payments:
    """A request's fee, paid on the provider's page (payments' sandbox under ``make run``)."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def start(
        self, token: str, reference: str, *, return_url: str, language: str, key: str
    ) -> dict[str, Any]:
        """A payment of the request's fee (payments takes the amount from the case);
        ``key`` makes a retried call the same payment, a new key a new attempt."""
        path = f"/cases/{quote(reference, safe='')}/payments"
        body = {"return_url": return_url, "language": language}
        found: dict[str, Any] = await self.client.call(
            "POST", path, token=token, json=body, headers={"Idempotency-Key": key}
        )
        return found

    async def payment(self, token: str, reference: str, payment_id: str) -> dict[str, Any]:
        """One of the request's payments as it stands (payments asks the provider about
        an open one first: the payer has just come back from its page)."""
        path = f"/cases/{quote(reference, safe='')}/payments/{quote(payment_id, safe='')}"
        found: dict[str, Any] = await self.client.call("GET", path, token=token)
        return found

    async def refund_if_cancelled(
        self, token: str, reference: str, starts_at: str
    ) -> dict[str, Any]:
        """What cancelling the visit at ``starts_at`` would give back, now and after the
        type's cut-off (payments asks nothing of the provider; nothing changes)."""
        path = f"/cases/{quote(reference, safe='')}/refund-if-cancelled"
        found: dict[str, Any] = await self.client.call(
            "GET", path, token=token, params=[("starts_at", starts_at)]
        )
        return found


class Booking:
    """A request's visit: the slots offered, a hold on one, the appointment, and changing
    or cancelling it (booking takes a resident's tracking token for the case it names)."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    @staticmethod
    def _path(reference: str, tail: str) -> str:
        return f"/cases/{quote(reference, safe='')}/{tail}"

    async def availability(
        self, token: str, reference: str, postcode: str | None, days: int
    ) -> dict[str, Any]:
        """The free slots in the window's first ``days`` days (``postcode``: the
        property's, when booking has none for the case; without one it answers 422)."""
        params = [("days", str(days))] + ([("postcode", postcode)] if postcode else [])
        path = self._path(reference, "availability")
        found: dict[str, Any] = await self.client.call("GET", path, token=token, params=params)
        return found

    async def hold(
        self, token: str, reference: str, resource: str, starts_at: str, postcode: str | None
    ) -> dict[str, Any]:
        body: dict[str, str] = {"resource": resource, "starts_at": starts_at}
        if postcode:
            body["postcode"] = postcode
        path = self._path(reference, "holds")
        found: dict[str, Any] = await self.client.call("POST", path, token=token, json=body)
        return found

    async def confirm(self, token: str, reference: str, hold_id: str) -> dict[str, Any]:
        path = self._path(reference, f"holds/{quote(hold_id, safe='')}/confirm")
        found: dict[str, Any] = await self.client.call("POST", path, token=token)
        return found

    async def visit(self, token: str, reference: str) -> dict[str, Any] | None:
        """The request's booked visit (the confirmed appointment), if it has one."""
        path = self._path(reference, "appointments")
        found: list[dict[str, Any]] = await self.client.call("GET", path, token=token)
        return next((a for a in found if a.get("status") == "confirmed"), None)

    async def record_visit(self, token: str, appointment_id: str, outcome: str) -> dict[str, Any]:
        """An officer records how the visit went (booking refuses it before it starts)."""
        path = f"/appointments/{quote(appointment_id, safe='')}/outcome"
        found: dict[str, Any] = await self.client.call(
            "POST", path, token=token, json={"outcome": outcome}
        )
        return found

    async def cancel(self, token: str, reference: str, appointment_id: str) -> dict[str, Any]:
        path = self._path(reference, f"appointments/{quote(appointment_id, safe='')}/cancel")
        body = {"reason": "no_longer_needed"}
        found: dict[str, Any] = await self.client.call("POST", path, token=token, json=body)
        return found

    async def reschedule(
        self, token: str, reference: str, appointment_id: str, resource: str, starts_at: str
    ) -> dict[str, Any]:
        path = self._path(reference, f"appointments/{quote(appointment_id, safe='')}/reschedule")
        body = {"resource": resource, "starts_at": starts_at}
        found: dict[str, Any] = await self.client.call("POST", path, token=token, json=body)
        return found
