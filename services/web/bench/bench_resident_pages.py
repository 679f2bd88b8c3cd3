"""The resident pages under load: tracking a request and starting one, at 50 residents at
once, beside the service APIs those pages call, in the same run.

    uv run --all-packages python -m services.web.bench.bench_resident_pages

Identity, cases, resident-view, payments, booking and web run as in the web tests (each
under uvicorn on its own port in this process; identity's tokens, JWKS and data keys for
real). 50 residents each have a missed-bin request and have followed it with identity's
one-time code, so each holds a web session good for their own request. Then, with 50
clients at once (``BENCH_RESIDENTS``), each making ``BENCH_RESIDENT_READS`` requests:

* the tracking page, web's ``GET /track/{reference}`` (the session, resident-view's
  tracking API with the resident's tracking token, booking for a visit, GOV.UK markup),
  beside resident-view's ``GET /tracking/{reference}`` called directly with the same
  tokens;
* the start of a request, web's ``GET /report/pest_control`` (the catalogue's form from
  cases, turned into GOV.UK fields), beside cases' ``GET /service-types/pest_control``.

Each timing is one request from a client on this machine to its answer; p50 and p99,
and the page's ratio to its API. No figure is asserted.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from services.web.tests.web_platform import Platform, platform, relay
from townhall.identity.testing import bearer
from townhall.runtime.broker import EmbeddedBroker, free_port
from townhall.runtime.logging import configure_logging
from townhall.runtime.settings import embedded_kafka_settings
from townhall.runtime.testkit.timings import percentiles
from townhall.web.officer.dependencies import composition

RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "50"))
READS = int(os.environ.get("BENCH_RESIDENT_READS", "20"))
PURPOSE = "following my request"
Call = Callable[[], Awaitable[httpx.Response]]


async def _timed(calls: list[Call]) -> list[float]:
    """Every caller at once, each ``READS`` times in a row; each call's time in ms."""

    async def one(call: Call) -> list[float]:
        assert (await call()).status_code == 200  # warm
        found = []
        for _ in range(READS):
            started = time.perf_counter()
            answer = await call()
            found.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.text[:300]
        return found

    return [t for timings in await asyncio.gather(*(one(c) for c in calls)) for t in timings]


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found[1]


async def _code_for(services: Platform, email: str) -> str:
    messages = await services.identity.sent()
    code: str = next(m["code"] for m in messages if m["to"] == email and m["type"] == "code")
    return code


async def _following(services: Platform, web: httpx.AsyncClient, email: str, reference: str) -> str:
    """The resident follows their request in web (the tracking code), and also asks
    identity for a token directly (the API's baseline); that token."""
    start = await web.get("/track")
    form = {"csrf_token": _csrf(start), "reference": reference, "contact": email}
    assert (await web.post("/track", data=form)).status_code == 303
    page = await web.get("/track/code")
    code = await _code_for(services, email)
    redeemed = await web.post("/track/code", data={"csrf_token": _csrf(page), "code": code})
    assert redeemed.status_code == 303, redeemed.text[:300]
    asked = await services.identity.http.post(
        "/auth/tracking", json={"email": email, "request_reference": reference}
    )
    direct = await services.identity.http.post(
        "/auth/codes/redeem",
        json={"reference": asked.json()["reference"], "code": await _code_for(services, email)},
    )
    token: str = direct.json()["access_token"]
    return token


async def _residents(services: Platform) -> list[tuple[str, str]]:
    """``RESIDENTS`` residents with an email and a missed-bin request each."""
    login = await services.identity.login(services.contact)
    officer = bearer(login.json()["access_token"])
    made = []
    async with httpx.AsyncClient(base_url=services.cases_url, headers=officer) as cases:
        for n in range(RESIDENTS):
            email = f"bench.resident.{n}@example.org"
            resident = await services.identity.register(
                given_name="Bench", family_name=f"Resident{n}", email=email
            )
            body = {
                "service_code": "missed_bin",
                "details": {"bin_type": "recycling"},
                "description": "Recycling not collected",
                "location": {"address": f"{n + 1} Example Street"},
                "channel": "phone",
                "resident_id": resident,
            }
            raised = await cases.post("/cases", json=body)
            assert raised.status_code == 201, raised.text
            made.append((email, str(raised.json()["reference"])))
    await relay(services)
    return made


async def measure(workdir: Path, bootstrap: str) -> dict[str, list[float]]:
    kafka = embedded_kafka_settings(bootstrap)
    async with platform(workdir, kafka) as services:
        urls = composition.of(services.web).settings.service_urls
        made = await _residents(services)
        limits = httpx.Limits(max_connections=RESIDENTS * 2)
        webs = [httpx.AsyncClient(base_url=services.web_url, limits=limits) for _ in made]
        async with (
            httpx.AsyncClient(base_url=urls["resident-view"], limits=limits) as view,
            httpx.AsyncClient(base_url=urls["cases"], limits=limits) as cases,
        ):
            try:
                tokens = [
                    await _following(services, web, email, reference)
                    for web, (email, reference) in zip(webs, made, strict=True)
                ]
                track_api: list[Call] = [
                    lambda ref=ref, token=token: view.get(
                        f"/tracking/{ref}", params={"purpose": PURPOSE}, headers=bearer(token)
                    )
                    for (_, ref), token in zip(made, tokens, strict=True)
                ]
                track_page: list[Call] = [
                    lambda web=web, ref=ref: web.get(f"/track/{ref}")
                    for web, (_, ref) in zip(webs, made, strict=True)
                ]
                form_api: list[Call] = [
                    lambda: cases.get("/service-types/pest_control") for _ in made
                ]
                form_page: list[Call] = [
                    lambda web=web: web.get("/report/pest_control") for web in webs
                ]
                return {
                    "track_api": await _timed(track_api),
                    "track_page": await _timed(track_page),
                    "form_api": await _timed(form_api),
                    "form_page": await _timed(form_page),
                }
            finally:
                for web in webs:
                    await web.aclose()


def main() -> int:
    configure_logging("bench", level="WARNING", json=False)
    broker = EmbeddedBroker(port=free_port())
    broker.start()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            kafka = embedded_kafka_settings(broker.bootstrap_servers)
            asyncio.run(broker.prepare(kafka))
            found = asyncio.run(measure(Path(workdir), broker.bootstrap_servers))
    finally:
        broker.stop()
    shown = {name: percentiles(timings) for name, timings in found.items()}
    print(f"\nweb: resident pages, {RESIDENTS} residents at once, {READS} reads each (SQLite)")
    print(f"  {'':52} {'p50 ms':>8} {'p99 ms':>8}")
    rows = (
        ("track_api", "baseline: resident-view GET /tracking/{ref}"),
        ("track_page", "web tracking page GET /track/{ref}"),
        ("form_api", "baseline: cases GET /service-types/pest_control"),
        ("form_page", "web start of a request GET /report/pest_control"),
    )
    for name, label in rows:
        print(f"  {label:52} {shown[name][0]:8.1f} {shown[name][1]:8.1f}")
    for page, api in (("track_page", "track_api"), ("form_page", "form_api")):
        (p50, p99), (b50, b99) = shown[page], shown[api]
        print(f"  {page + ' / ' + api:52} {p50 / b50:7.2f}x {p99 / b99:7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
