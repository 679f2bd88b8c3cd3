"""The web benchmark: the officer's resident page against resident-view's API alone.

    uv run --all-packages python -m services.web.bench.bench_web

One resident has a 5,000-entry timeline across service areas (some the contact-centre
officer sees only as summaries, some not at all). Identity, resident-view, cases and
web run as in the web tests (each under uvicorn on its own port in this process,
identity's JWKS and data keys for real). Measured in the same run, on the same data:

* baseline: resident-view's ``GET /residents/{id}/timeline`` (the newest page of 25,
  with the purpose, audited) called directly with the officer's token;
* the page: web's ``GET /officer/residents/{id}`` for a signed-in officer, which reads
  the session, calls identity for the record and resident-view for the page, and
  renders it in GOV.UK markup.

Both are timed the same way (a request from a client on this machine to its answer),
and reported as p50 and p99 and the page's ratio to the baseline. ``BENCH_WEB_READS``
(default 300) sets how many of each; both are warmed first. No figure is asserted.
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

from services.web.tests.web_platform import Platform, platform
from townhall.identity.testing import bearer
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.resident_view.testing import Spec, envelope, write
from townhall.runtime.broker import EmbeddedBroker, free_port
from townhall.runtime.logging import configure_logging
from townhall.runtime.settings import embedded_kafka_settings
from townhall.runtime.testkit.timings import percentiles
from townhall.schemas.envelope import Sensitivity
from townhall.web.officer.dependencies import composition

READS = int(os.environ.get("BENCH_WEB_READS", "300"))
ENTRIES = 5000
WARM = 20
PURPOSE = "benchmark phone call"
#: What the timeline holds: the contact centre sees waste and pest control in summary,
#: housing in detail (identity's own domain is not among these), and social care not at all.
SPECS = (
    Spec("waste", Sensitivity.PERSONAL),
    Spec("pest_control", Sensitivity.PERSONAL),
    Spec("contact_centre", Sensitivity.PERSONAL),
    Spec("social_care", Sensitivity.SPECIAL),
)


async def _timed(call: Callable[[], Awaitable[httpx.Response]]) -> list[float]:
    for _ in range(WARM):
        assert (await call()).status_code == 200
    timings = []
    for _ in range(READS):
        started = time.perf_counter()
        answer = await call()
        timings.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text
    return timings


async def _seed(services: Platform) -> None:
    view = services_of(services.resident_view)
    generation = view.live.generation.number
    envelopes = [
        envelope(services.ada, SPECS[n % len(SPECS)], 1000 + n, case_reference="MB-2026-000001")
        for n in range(ENTRIES)
    ]
    async with view.runtime.sessions.begin() as session:
        await write(session, envelopes, generation)


async def _signed_in(services: Platform, web: httpx.AsyncClient) -> None:
    page = await web.get("/officer/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    form = {"csrf_token": token[1], "email": services.contact, "password": services.password}
    assert (await web.post("/officer/sign-in", data=form)).status_code == 303
    home = await web.get("/officer")
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert token
    search = {"csrf_token": token[1], "form": "quick", "query": "Ada Example", "purpose": PURPOSE}
    assert (await web.post("/officer/search", data=search)).status_code == 200


async def measure(workdir: Path, bootstrap: str) -> dict[str, tuple[float, float]]:
    kafka = embedded_kafka_settings(bootstrap)
    async with platform(workdir, kafka) as services:
        await _seed(services)
        login = await services.identity.login(services.contact)
        headers = bearer(login.json()["access_token"])
        urls = composition.of(services.web).settings.service_urls
        async with (
            httpx.AsyncClient(base_url=urls["resident-view"], headers=headers) as api,
            httpx.AsyncClient(base_url=services.web_url) as web,
        ):
            await _signed_in(services, web)
            shown = await web.get(f"/officer/residents/{services.ada}")
            assert "You see a summary because" in shown.text, "the page read is the real one"
            path = f"/residents/{services.ada}/timeline"
            params = {"purpose": PURPOSE, "limit": "25"}
            baseline = await _timed(lambda: api.get(path, params=params))
            page = await _timed(lambda: web.get(f"/officer/residents/{services.ada}"))
    return {"baseline": percentiles(baseline), "page": percentiles(page)}


def main() -> int:
    configure_logging("bench", level="WARNING", json=False)
    broker = EmbeddedBroker(port=free_port())
    broker.start()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            kafka = embedded_kafka_settings(broker.bootstrap_servers)
            asyncio.run(broker.prepare(kafka))
            figures = asyncio.run(measure(Path(workdir), broker.bootstrap_servers))
    finally:
        broker.stop()
    (base50, base99), (page50, page99) = figures["baseline"], figures["page"]
    print(f"\nweb: the resident page, {ENTRIES:,}-entry timeline, {READS} reads each (SQLite)")
    print(f"  {'':44} {'p50 ms':>8} {'p99 ms':>8}")
    print(f"  {'baseline: resident-view timeline API alone':44} {base50:8.1f} {base99:8.1f}")
    print(f"  {'web resident page (identity + resident-view)':44} {page50:8.1f} {page99:8.1f}")
    print(f"  {'ratio to the baseline':44} {page50 / base50:7.2f}x {page99 / base99:7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
