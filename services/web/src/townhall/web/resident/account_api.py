"""The APIs a resident's account pages call, with the resident's own token: identity
(sign-in, their record, consents, language), resident-view (their timeline and who
looked at it), cases (their requests), payments and booking (their payments and
visits), notifications (how it contacts them). Over the same
:class:`~townhall.web.upstream.ServiceClient`\\ s as the other pages, failing with the
same errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from townhall.web.officer.workspace import Workspace
from townhall.web.upstream import (
    Issued,
    NotSignedInError,
    ServiceClient,
    UnavailableError,
)

#: Why a resident reads their own history (resident-view records it with each read).
OWN_HISTORY = "own history"
#: Why the export reads it: the resident asked for a copy of their data.
EXPORT_PURPOSE = "subject access request"


def _id(resident: str) -> str:
    return quote(resident, safe="")


@dataclass(frozen=True)
class AccountApi:
    identity: ServiceClient
    resident_view: ServiceClient
    cases: ServiceClient
    payments_client: ServiceClient
    booking: ServiceClient
    notifications: ServiceClient | None = None

    @classmethod
    def of(cls, workspace: Workspace) -> AccountApi:
        """The clients the workspace already holds, one per service."""
        return cls(
            workspace.identity.client,
            workspace.resident_view.client,
            workspace.cases.client,
            workspace.payments.client,
            workspace.booking.client,
            workspace.notifications,
        )

    async def sign_in(self, email: str, password: str, client_address: str) -> Issued:
        """An account holder's tokens (identity: 401 for a wrong email or password
        alike, 403 while the email is unverified, 429 after too many tries)."""
        body = await self.identity.call(
            "POST",
            "/auth/resident-token",
            json={"email": email, "password": password},
            headers={"X-Forwarded-For": client_address},
        )
        return Issued(
            str(body["access_token"]), str(body["refresh_token"]), int(body["expires_in"])
        )

    async def sign_up(self, account: dict[str, str]) -> str:
        """Start an account (``email``, ``password``, ``given_name``, ``family_name``,
        ``preferred_language``): the reference of the code identity sends to the email
        (it answers the same when the email has an account: its owner is told)."""
        body = await self.identity.call("POST", "/accounts", json=account)
        return str(body["reference"])

    async def prove_email(self, reference: str, code: str, client_address: str) -> Issued:
        """The sign-up's code: the email is verified and the account holder signed in."""
        body = await self.identity.call(
            "POST",
            "/auth/codes/redeem",
            json={"reference": reference, "code": code},
            headers={"X-Forwarded-For": client_address},
        )
        if not body.get("refresh_token"):  # not a sign-up's code: it opens no account
            raise NotSignedInError(401, "not a sign-up's code")
        return Issued(
            str(body["access_token"]), str(body["refresh_token"]), int(body["expires_in"])
        )

    async def record(self, token: str, resident: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.identity.call(
            "GET", f"/residents/{_id(resident)}", token=token
        )
        return found

    async def consents(self, token: str, resident: str) -> list[str]:
        found = await self.identity.call("GET", f"/residents/{_id(resident)}/consents", token=token)
        return [str(domain) for domain in found.get("domains", [])]

    async def set_consent(self, token: str, resident: str, domain: str, granted: bool) -> None:
        """Grant or withdraw; identity records the change as an event (its audit)."""
        path = f"/residents/{_id(resident)}/consents/{quote(domain, safe='')}"
        await self.identity.call("PUT" if granted else "DELETE", path, token=token)

    async def set_language(self, token: str, resident: str, language: str) -> None:
        path = f"/residents/{_id(resident)}/preferred-language"
        await self.identity.call("PUT", path, token=token, json={"language": language})

    async def contact_preferences(self, token: str, resident: str) -> dict[str, Any] | None:
        """Notifications' channels (in order) and whether to send non-essential
        messages; None when notifications is not configured or does not answer."""
        if self.notifications is None or not self.notifications.configured:
            return None
        path = f"/residents/{_id(resident)}/preferences"
        try:
            found: dict[str, Any] = await self.notifications.call("GET", path, token=token)
        except UnavailableError:
            return None
        return found

    async def set_contact_preferences(
        self, token: str, resident: str, channel: str, non_essential: bool
    ) -> None:
        """The channel to use first, and non-essential messages or not; the language
        stays identity's (notifications follows it when given none)."""
        if self.notifications is None:
            raise UnavailableError(503, "notifications is not configured")
        path = f"/residents/{_id(resident)}/preferences"
        body = {"channels": [channel], "language": None, "non_essential": non_essential}
        await self.notifications.call("PUT", path, token=token, json=body)

    async def timeline(
        self, token: str, resident: str, *, cursor: str | None, limit: int, purpose: str
    ) -> dict[str, Any]:
        params = [("purpose", purpose), ("limit", str(limit))]
        params += [("cursor", cursor)] if cursor else []
        path = f"/residents/{_id(resident)}/timeline"
        found: dict[str, Any] = await self.resident_view.call(
            "GET", path, token=token, params=params
        )
        return found

    async def access_log(self, token: str, resident: str, limit: int = 100) -> list[dict[str, Any]]:
        path = f"/residents/{_id(resident)}/access-log"
        found: list[dict[str, Any]] = await self.resident_view.call(
            "GET", path, token=token, params=[("limit", str(limit))]
        )
        return found

    async def requests(self, token: str, limit: int = 100) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self.cases.call(
            "GET", "/residents/me/cases", token=token, params=[("limit", str(limit))]
        )
        return found

    async def payments(self, token: str, limit: int = 100) -> list[dict[str, Any]]:
        """The resident's payments of every request, with their refunds."""
        found: list[dict[str, Any]] = await self.payments_client.call(
            "GET", "/residents/me/payments", token=token, params=[("limit", str(limit))]
        )
        return found

    async def visits(self, token: str, limit: int = 100) -> list[dict[str, Any]]:
        """The resident's appointments of every request."""
        found: list[dict[str, Any]] = await self.booking.call(
            "GET", "/residents/me/appointments", token=token, params=[("limit", str(limit))]
        )
        return found
