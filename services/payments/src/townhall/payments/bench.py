"""Payments' benchmark: ``python -m townhall.payments.bench`` (a section for ``make bench``).

Two figures, each beside a baseline measured in the same process on the same machine
(``GET /healthz`` through the same ASGI stack), and each with its correctness count:

* payments created per second by 50 concurrent clients, every Idempotency-Key sent three
  times; duplicate payments (more than one payment for a key) must be 0;
* webhooks processed per second, each of a payment's messages (started, submitted,
  success) delivered three times in shuffled order; double effects (a payment with more
  than one ``payment.succeeded``) must be 0.

The provider is GOV.UK Pay's local stub for the webhooks, the sandbox for creates; the
database is SQLite under a temporary folder (``BENCH_PAYMENTS_DATABASE_URL`` for another).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from townhall.payments.adapters.orm import payments
from townhall.payments.bootstrap import Payments, bootstrap
from townhall.payments.entrypoints.api.app import create
from townhall.payments.testing import CONTEXT, case_fee, envelopes, settings_for
from townhall.payments.testing_govuk_pay import GovukPayStub
from townhall.runtime.logging import configure_logging
from townhall.runtime.testkit.tokens import TestIssuer

CLIENTS = 50
CASES = int(os.environ.get("BENCH_PAYMENTS_CASES", "300"))
REPEATS = 3
SECRET = "bench-signing-secret"
API_KEY = "api_test_bench"


@dataclass(frozen=True)
class Figures:
    baseline_per_s: float
    creates_per_s: float
    duplicate_payments: int
    webhooks_per_s: float
    double_effects: int


async def _run(jobs: list[Callable[[], Awaitable[Any]]]) -> float:
    """Run ``jobs`` on CLIENTS concurrent clients; jobs per second."""
    queue = list(reversed(jobs))

    async def client() -> None:
        while queue:
            await queue.pop()()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return len(jobs) / (time.perf_counter() - started)


async def _app(url: str, issuer: TestIssuer, stub: GovukPayStub | None) -> tuple[FastAPI, Payments]:
    overrides: dict[str, Any] = {
        "auth_jwks_url": issuer.jwks_url,
        "govuk_pay_webhook_signing_secret": SECRET,
        "log_level": "WARNING",
    }
    transport = None
    if stub is not None:
        overrides |= {"payment_provider": "govuk_pay", "govuk_pay_base_url": "http://pay"}
        overrides |= {"govuk_pay_api_key": API_KEY}
        transport = httpx.ASGITransport(app=stub.app)
    built = bootstrap(settings_for(url, **overrides), provider_transport=transport)
    return create(services=built), built


def _reference(i: int) -> str:
    return f"BW-2026-{i:06d}"


async def _creates(url: str, issuer: TestIssuer) -> tuple[float, float, int]:
    app, built = await _app(url, issuer, None)
    token = {"Authorization": f"Bearer {issuer.service('bench', 'payments:write')}"}
    async with app.router.lifespan_context(app), _client(app) as http:
        for i in range(CASES):
            await built.bus.handle(case_fee(_reference(i)), CONTEXT)
        baseline = await _run([lambda: http.get("/healthz") for _ in range(CASES * REPEATS)])

        def create_one(i: int) -> Callable[[], Awaitable[Any]]:
            async def send() -> None:
                headers = {**token, "Idempotency-Key": f"key-{i}"}
                body = {"return_url": "https://council.example/paid"}
                while True:  # 409 while the key's first request is in flight: as told, retry
                    answer = await http.post(
                        f"/cases/{_reference(i)}/payments", json=body, headers=headers
                    )
                    if answer.status_code != 409:
                        assert answer.status_code == 201, answer.text
                        return
                    await asyncio.sleep(0.01)

            return send

        jobs = [create_one(i) for i in range(CASES) for _ in range(REPEATS)]
        random.Random(16).shuffle(jobs)
        rate = await _run(jobs)
        async with built.runtime.sessions() as session:
            made = (await session.execute(select(func.count()).select_from(payments))).scalar_one()
    return baseline, rate, made - CASES


async def _webhooks(url: str, issuer: TestIssuer) -> tuple[float, int]:
    stub = GovukPayStub(API_KEY)
    app, built = await _app(url, issuer, stub)
    token = {"Authorization": f"Bearer {issuer.service('bench', 'payments:write')}"}
    async with app.router.lifespan_context(app), _client(app) as http:
        for i in range(CASES):
            await built.bus.handle(case_fee(_reference(i)), CONTEXT)
            headers = {**token, "Idempotency-Key": f"key-{i}"}
            body = {"return_url": "https://council.example/paid"}
            await http.post(f"/cases/{_reference(i)}/payments", json=body, headers=headers)
        messages: list[bytes] = []
        for provider_id in stub.payments:
            for status in ("started", "submitted", "success"):
                stub.finish(provider_id, status)
                messages += [stub.webhook(provider_id, SECRET)[0]] * REPEATS
        random.Random(3).shuffle(messages)

        def deliver(body: bytes) -> Callable[[], Awaitable[Any]]:
            signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            headers = {"Pay-Signature": signature, "Content-Type": "application/json"}
            return lambda: http.post("/webhooks/govuk-pay", content=body, headers=headers)

        rate = await _run([deliver(m) for m in messages])
        http.app = app  # type: ignore[attr-defined]
        succeeded = Counter(
            e.data["payment_id"] for e in await envelopes(http) if e.type.endswith("succeeded.v1")
        )
    return rate, sum(n - 1 for n in succeeded.values() if n > 1) + (CASES - len(succeeded))


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://payments")


async def measure(workdir: Path, database_url: str | None = None) -> Figures:
    issuer = TestIssuer(workdir)
    first = database_url or f"sqlite+aiosqlite:///{workdir / 'creates.db'}"
    second = database_url or f"sqlite+aiosqlite:///{workdir / 'webhooks.db'}"
    baseline, creates, duplicates = await _creates(first, issuer)
    webhooks, doubles = await _webhooks(second, issuer)
    return Figures(baseline, creates, duplicates, webhooks, doubles)


def main() -> None:
    configure_logging("payments-bench", "WARNING", json=True)
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_PAYMENTS_DATABASE_URL")
        figures = asyncio.run(measure(Path(folder), url))
    base = figures.baseline_per_s
    print(f"payments, {CLIENTS} concurrent clients, {CASES} cases, each key/message x{REPEATS}")
    print(f"  baseline GET /healthz        {base:10,.0f}/s")
    for name, rate, count, what in (
        (
            "payments created",
            figures.creates_per_s,
            figures.duplicate_payments,
            "duplicate payments",
        ),
        ("webhooks processed", figures.webhooks_per_s, figures.double_effects, "double effects"),
    ):
        print(f"  {name:<28} {rate:10,.0f}/s  {rate / base:6.1%} of baseline  {what}: {count}")


if __name__ == "__main__":
    main()
