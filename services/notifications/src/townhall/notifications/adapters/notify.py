"""GOV.UK Notify, through its official client (``notifications-python-client``).

The client is synchronous (requests), so each call runs in a worker thread. Notify's
rules: a 4xx other than 429 is a refusal (never retried: :class:`SendRefusedError`);
network errors (the client reports them as 503), 5xx and 429 may pass
(:class:`SendFailedError`: the dispatcher tries again later with backoff). The
``reference`` is the notification's id, nothing personal. At most ``per_minute``
messages a minute (Notify's limit is 3,000): a sliding window held here.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from townhall.notifications.domain.exceptions import RuleBookError
from townhall.notifications.domain.rules import LANGUAGES, RuleBook
from townhall.notifications.service_layer.senders import (
    Found,
    Message,
    SendFailedError,
    SendRefusedError,
)

NOTIFY_URL = "https://api.notifications.service.gov.uk"
TYPES = {"email": "email", "sms": "sms", "letter": "letter"}


class RateLimit:
    """At most ``per_minute`` calls in any 60 seconds; waits (never drops) over it."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.per_minute, self.clock, self.sleep = per_minute, clock, sleep
        self.calls: deque[float] = deque()

    async def acquire(self) -> None:
        while True:
            now = self.clock()
            while self.calls and now - self.calls[0] >= 60:
                self.calls.popleft()
            if len(self.calls) < self.per_minute:
                self.calls.append(now)
                return
            await self.sleep(60 - (now - self.calls[0]))


def check_notify_ids(rulebook: RuleBook) -> None:
    """Every template a rule uses needs a Notify id per channel it may use and language."""
    for rule in rulebook.rules:
        template = rulebook.template(rule.template)
        for channel in rule.channels:
            for language in LANGUAGES:
                if not template.notify_id(channel, language):
                    raise RuleBookError(
                        f"{template.name}.yaml",
                        f"{channel}.notify_id.{language}",
                        "needed to send through GOV.UK Notify",
                    )


class NotifySender:
    def __init__(
        self,
        api_key: str,
        base_url: str = NOTIFY_URL,
        *,
        per_minute: int = 3000,
        timeout_s: float = 10.0,
        connections: int = 4,
    ):
        self.limit = RateLimit(per_minute)
        # a client's session is not thread-safe: each call takes one of its own
        self._clients: asyncio.Queue[NotificationsAPIClient] = asyncio.Queue()
        for _ in range(connections):
            self._clients.put_nowait(
                NotificationsAPIClient(api_key, base_url=base_url, timeout=timeout_s)  # type: ignore[no-untyped-call]
            )

    async def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        client = await self._clients.get()
        try:
            return await asyncio.to_thread(getattr(client, name), *args, **kwargs)
        except APIError as exc:
            if exc.status_code == 429 or exc.status_code >= 500:
                raise SendFailedError(f"Notify: {exc.status_code}") from exc
            raise SendRefusedError(f"Notify refused it: {exc.status_code} {exc.message}") from exc
        finally:
            self._clients.put_nowait(client)

    async def send(self, message: Message) -> str:
        template_id = message.template.notify_id(message.channel, message.language)
        if not template_id:
            raise SendRefusedError(
                f"no Notify template id for {message.channel} {message.language}"
            )
        personalisation = dict(message.personalisation)
        await self.limit.acquire()
        if message.channel == "email":
            answer = await self._call(
                "send_email_notification",
                message.to,
                template_id,
                personalisation=personalisation,
                reference=message.reference,
            )
        elif message.channel == "sms":
            answer = await self._call(
                "send_sms_notification",
                message.to,
                template_id,
                personalisation=personalisation,
                reference=message.reference,
            )
        else:
            lines = list(message.to)
            personalisation.update(
                {f"address_line_{i}": line for i, line in enumerate(lines[:7], 1)}
            )
            answer = await self._call(
                "send_letter_notification",
                template_id,
                personalisation,
                reference=message.reference,
            )
        return str(answer["id"])

    async def find(self, reference: str) -> Found | None:
        answer = await self._call("get_all_notifications", reference=reference)
        found = (answer or {}).get("notifications") or []
        if not found:
            return None
        return Found(str(found[0]["id"]), TYPES.get(str(found[0].get("type")), "email"))
