"""What end-to-end tests do as a demo user would: tokens from identity's demo wiring,
codes read where the resident would read them (notifications' development mailbox)."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import httpx

from townhall.identity.seed import DEMO_PASSWORD
from townhall.runtime.testkit.waiting import eventually

_CODE = re.compile(r"\b(\d{6})\b")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def code_sent(client: httpx.AsyncClient, notifications: str, to: str, reference: str) -> str:
    """The one-time code identity issued under ``reference``, as it reached ``to``:
    identity publishes it sealed, notifications sends it to its development mailbox
    (the bundled email names the code's reference beside the code)."""

    async def found() -> str | None:
        messages = (await client.get(f"{notifications}/dev/mailbox/messages")).json()
        for message in messages["messages"]:
            match = _CODE.search(message["body"])
            if message["to"] == to and reference in message["body"] and match:
                return match.group(1)
        return None

    code = await eventually(found, lambda code: code is not None, timeout_s=120)
    assert code is not None
    return code


async def tracking_token(
    client: httpx.AsyncClient, identity: str, notifications: str, email: str, **body: str
) -> str:
    """No account: the one-time code identity has notifications send to the email (to
    its development mailbox on the embedded default), redeemed for a token."""
    started = await client.post(f"{identity}/auth/tracking", json={"email": email, **body})
    assert started.status_code == 202, started.text
    reference = started.json()["reference"]
    code = await code_sent(client, notifications, email, reference)
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
