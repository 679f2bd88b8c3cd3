"""What end-to-end tests do as a demo user would: tokens from identity's demo wiring."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from townhall.identity.seed import DEMO_PASSWORD


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def tracking_token(client: httpx.AsyncClient, identity: str, email: str, **body: str) -> str:
    """No account: the one-time code identity sends to the email (its development
    mailbox), redeemed for a token."""
    started = await client.post(f"{identity}/auth/tracking", json={"email": email, **body})
    assert started.status_code == 202, started.text
    reference = started.json()["reference"]
    mailbox = (await client.get(f"{identity}/dev/mailbox")).json()["messages"]
    code = next(m["code"] for m in mailbox if m["reference"] == reference)
    redeemed = await client.post(
        f"{identity}/auth/codes/redeem", json={"reference": reference, "code": code}
    )
    assert redeemed.status_code == 200, redeemed.text
    token: str = redeemed.json()["access_token"]
    return token


def claims(token: str) -> dict[str, Any]:
    """What a token says (as issued; every service verifies it against identity's keys)."""
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


async def officer_token(client: httpx.AsyncClient, identity: str, email: str) -> str:
    response = await client.post(
        f"{identity}/auth/officer-token", json={"email": email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token
