"""The resident front door's whole journey in a real browser (Debian's Chromium, phone
width) against real processes started as `make run` starts them: the embedded broker
and every service as its own process (identity, cases, booking, payments with its
sandbox card page, notifications with its development mailbox, resident-view, web).

1. Rhiannon chooses Welsh, reports rats, proves her email with the code from the
   mailbox, pays with the sandbox's succeeding card and books the next visit; the
   booking's confirmation reaches the mailbox in Welsh (identity registered her
   preferring the language she reported in; notifications words messages in it).
2. The pest control officer records the visit on the workspace's case page once it has
   started (until then the page says it cannot yet), and resolves the request there.
3. Her tracking page then shows every step in order, in Welsh: the report, the payment,
   the booking, the message sent, the visit, resolved.
4. Sam books and cancels before the visit: the refund shows and the time is offered
   again. Pat's card is declined; Pat tries again and pays, by keyboard alone.

Every front door page is checked with axe-core (no serious or critical violation), at
320 px (no sideways scrolling) and photographed under ``services/web/test-artefacts``
(git-ignored), named ``journey-…``.

Booking's calendars are configuration (``CALENDAR_DIR``): this platform's pest control
calendar offers one-minute visits from now on, with no notice and no cut-off, so a
visit booked now starts within a minute or two and the officer can record it (booking
refuses to record a visit before it starts); payments' refund rule for it matches
(``REFUND_RULES``: the whole fee back until the visit starts). Everything else is
`make run`'s.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.async_api import Browser, BrowserContext, Page

import services.web.tests.test_web_browser as pages
from services.web.tests.resident_journey import (
    ARRIVES_S,
    DESK_SIZE,
    PHONE_SIZE,
    Resident,
    book,
    cancel,
    in_order,
    offered,
    opened,
    pay,
    pay_by_keyboard,
    report_rats,
    steps_oldest_first,
    the_last,
    the_next_that_can_be_confirmed,
    welsh,
)
from services.web.tests.test_web_resident_browser import DECLINED, SUCCEEDS
from townhall.booking.adapters.calendar_files import BUNDLED, bank_holidays
from townhall.booking.domain.calendar import local
from townhall.cli.launcher import Platform
from townhall.cli.services import SERVICES
from townhall.cli.shared_platform import SHARED_ENV
from townhall.identity.seed import DEMO_PASSWORD
from townhall.runtime.broker import free_port
from townhall.runtime.testkit.fixtures import Processes
from townhall.runtime.testkit.waiting import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
PEST_OFFICER = "demo.pest@example.org"


def short_notice_calendar(now: datetime) -> dict[str, Any]:
    """Pest control, one-minute visits from the minute of ``now`` (UK time) for half an
    hour, every day, no notice, no cut-off (a span past midnight split in two)."""
    start = local(now).replace(second=0, microsecond=0)
    end = start + timedelta(minutes=30)
    if end.date() == start.date():
        spans = [(f"{start:%H:%M}", f"{end:%H:%M}")]
    else:
        spans = [(f"{start:%H:%M}", "23:59"), ("00:00", f"{end:%H:%M}")]
    hours = [f"{begins}-{ends}" for begins, ends in spans if begins < ends]
    van = {"code": "pest-van-1", "name": "Pest control van 1", "kind": "van"}
    return {
        "service_type": "pest_control",
        "window_days": 2,
        "minimum_notice_hours": 0,
        "hold_minutes": 10,
        "resources": [{**van, "areas": ["E"], "hours": {"mon-sun": hours}, "slot_minutes": 1}],
    }


@pytest.fixture
def platform(tmp_path: Path, processes: Processes) -> Platform:
    """`make run`'s platform (as the shared one is), with the short-notice calendar."""
    today = local(datetime.now(UTC)).date()
    if today in bank_holidays([today.year]):
        pytest.skip("booking offers no visit on a bank holiday, so none starts today")
    calendars = tmp_path / "calendars"
    calendars.mkdir()
    shutil.copy(BUNDLED / "bulky_waste.yaml", calendars)
    calendar = yaml.safe_dump(short_notice_calendar(datetime.now(UTC)))
    (calendars / "pest_control.yaml").write_text(calendar)
    env = {
        **SHARED_ENV,
        "CALENDAR_DIR": str(calendars),
        "REFUND_RULES": json.dumps({"pest_control": {"cutoff_hours": 0}}),
        # payments sends a refund when it next asks the provider (60 s in `make run`)
        "POLL_INTERVAL_S": "2",
    }
    services = tuple(SERVICES)
    return processes.start(
        Platform(
            var_dir=tmp_path / "var",
            services=services,
            ports={name: free_port() for name in (*services, "broker")},
            extra_env=env,
        )
    )


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=15) as opened:
        yield opened


@pytest.fixture
async def residents(
    browser: Browser, platform: Platform, client: httpx.AsyncClient
) -> AsyncIterator[Callable[[str], Awaitable[Resident]]]:
    """A new resident with a phone of their own (a browser context: their own session)."""
    phones: list[BrowserContext] = []

    async def new(email: str) -> Resident:
        phones.append(await opened(browser, PHONE_SIZE))
        return Resident(await phones[-1].new_page(), platform, client, email)

    yield new
    for phone in phones:
        await phone.close()


async def booking_confirmed_in_welsh(resident: Resident) -> dict[str, Any]:
    """The booking's confirmation, as it reached the mailbox (also shown on its page)."""
    reference = resident.reference
    subject = f"Mae eich ymweliad ar gyfer {reference} wedi'i drefnu"
    either = {subject, f"Your visit for {reference} is booked"}

    async def confirmation() -> dict[str, Any] | None:
        found = (m for m in await resident.mailbox_messages() if m["subject"] in either)
        return next(found, None)

    message = await eventually(
        confirmation, lambda m: m is not None, timeout_s=ARRIVES_S, interval_s=0.5
    )
    assert message is not None
    assert message["subject"] == subject, f"not in Welsh: {message['subject']!r}"
    assert "ymweliad rheoli plâu" in message["body"], "the service named in Welsh too"
    mailbox = await resident.page.context.new_page()
    await mailbox.goto(f"{resident.mailbox}/dev/mailbox")
    assert subject in await mailbox.inner_text("body")
    await mailbox.screenshot(path=pages.ARTEFACTS / f"journey-{resident.name}-mailbox.png")
    await mailbox.close()
    return message


async def signs_in(page: Page, web: str) -> None:
    """The pest control officer signs in to the workspace."""
    await page.goto(f"{web}/officer/sign-in")
    await page.fill("#email", PEST_OFFICER)
    await page.fill("#password", DEMO_PASSWORD)
    await page.click("button:has-text('Sign in')")
    await page.wait_for_url(f"{web}/officer")


async def record_the_visit_on_the_case_page(page: Page, web: str, reference: str) -> None:
    """The officer records the visit on the case page, once it has started: until then
    booking refuses it and the page says so, recording nothing."""
    done = page.locator("input[name='outcome'][value='completed']")
    checked: list[str] = []

    async def recorded() -> bool:
        await page.goto(f"{web}/officer/cases/{reference}")
        if await done.count() == 0:  # the case page does not show the booking yet
            return False
        if not checked:  # the form, once: accessible and fits 320 px
            await pages.check(page, "journey-officer-visit-form")
            checked.append("form")
        await page.check("input[name='outcome'][value='completed']")
        async with page.expect_navigation():
            await page.click("main button:has-text('Record the visit')")
        refused = page.locator(".govuk-error-summary")
        if await refused.count():
            said = await refused.inner_text()
            assert "You can record the visit once it has started" in said, said
            return False
        return True

    await eventually(recorded, lambda ok: ok, timeout_s=180, interval_s=1)
    assert "The visit has been recorded." in await page.inner_text("main")
    await pages.check(page, "journey-officer-visit-recorded")


async def resolve_on_the_case_page(page: Page, web: str, reference: str) -> None:
    """The officer moves the request on, on the workspace's case page: in progress, then
    resolved."""
    in_progress = page.locator("input[name='to'][value='in_progress']")

    async def case_page() -> int:  # once cases has heard of the booking: scheduled
        await page.goto(f"{web}/officer/cases/{reference}")
        return await in_progress.count()

    await eventually(case_page, lambda offered: offered == 1, timeout_s=ARRIVES_S, interval_s=0.5)
    await pages.check(page, "journey-officer-case")
    for state in ("in_progress", "resolved"):
        await page.check(f"input[name='to'][value='{state}']")
        async with page.expect_navigation():
            await page.click("main button:has-text('Move the case on')")
        assert await page.locator(".govuk-error-summary").count() == 0, state
    assert await page.inner_text("main .govuk-tag") == "Resolved"
    await pages.check(page, "journey-officer-resolved")


async def sam_cancels_before_the_visit(residents: Callable[[str], Awaitable[Resident]]) -> None:
    """The refund shows on the request's page and the time is offered again."""
    sam = await residents("sam@example.org")
    await sam.page.goto(f"{sam.web}/report")
    await report_rats(sam)
    await pay(sam, SUCCEEDS)
    slot = await book(sam, the_last)
    await cancel(sam)
    refunded = ("A refund was asked for", "Your refund was paid", "Book a visit")
    await sam.track_until(lambda main: all(text in main for text in refunded))
    await sam.check("refunded", always=True)
    async with sam.page.expect_navigation():
        await sam.page.click("main a.govuk-button[href$='/book']")
    assert slot in await offered(sam.page), "the time Sam gave up is offered again"
    await sam.check("slot-released", always=True)


async def pat_is_declined_and_tries_again_by_keyboard(
    residents: Callable[[str], Awaitable[Resident]],
) -> None:
    pat = await residents("pat@example.org")
    await pat.page.goto(f"{pat.web}/report")
    await report_rats(pat)
    await pay_by_keyboard(pat, DECLINED, "declined")
    await pat.page.wait_for_selector("h1:has-text('Your payment did not go through')")
    assert "No money has been taken" in await pat.page.inner_text("main")
    await pat.check("declined", always=True)
    await pay_by_keyboard(pat, SUCCEEDS, "paid")
    assert pat.page.url.endswith(f"/track/{pat.reference}")
    await pat.track_until(lambda main: "Your payment went through" in main)


async def test_residents_report_pay_book_are_told_and_track_their_request_to_the_end(
    platform: Platform,
    browser: Browser,
    client: httpx.AsyncClient,
    residents: Callable[[str], Awaitable[Resident]],
) -> None:
    rhiannon = await residents("rhiannon@example.org")
    rhiannon.checks_every_page = True
    await rhiannon.page.goto(f"{rhiannon.web}/report")
    async with rhiannon.page.expect_navigation():
        await rhiannon.page.click("a[lang='cy']")
    rhiannon.language = await rhiannon.page.get_attribute("html", "lang") or ""
    assert rhiannon.language == "cy"
    await rhiannon.check("catalogue")
    await report_rats(rhiannon)
    await pay(rhiannon, SUCCEEDS)
    await book(rhiannon, the_next_that_can_be_confirmed)
    told = await booking_confirmed_in_welsh(rhiannon)
    assert told["body"].startswith("Mae eich ymweliad"), told["body"]

    # while Rhiannon's visit comes round
    await sam_cancels_before_the_visit(residents)
    await pat_is_declined_and_tries_again_by_keyboard(residents)

    officer = await opened(browser, DESK_SIZE)
    try:
        desk = await officer.new_page()
        await signs_in(desk, rhiannon.web)
        await record_the_visit_on_the_case_page(desk, rhiannon.web, rhiannon.reference)
        await resolve_on_the_case_page(desk, rhiannon.web, rhiannon.reference)
    finally:
        await officer.close()

    done = welsh("Now: %(status)s") % {"status": welsh("Done")}
    main = await rhiannon.track_until(lambda main: done in main)
    every_step = [
        welsh("We received your request"),
        welsh("Your payment went through"),
        welsh("Your visit was booked"),
        welsh("To confirm your visit."),  # the message sent: by email, and what for
        welsh("We visited"),
        done,
    ]
    steps = await steps_oldest_first(rhiannon.page)
    assert in_order(steps, every_step) == every_step
    [confirming] = [s for s in steps if welsh("To confirm your visit.") in s]
    assert welsh("We emailed you") in confirming
    assert "We received your request" not in main, "in Welsh, not English"
    assert await rhiannon.page.get_attribute("html", "lang") == "cy"
    await rhiannon.check("resolved")
