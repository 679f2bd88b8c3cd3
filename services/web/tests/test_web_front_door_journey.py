"""The resident front door's whole journey in a real browser (Debian's Chromium, phone
width) against real processes started as `make run` starts them: the embedded broker
and every service as its own process (identity, cases, booking, payments with its
sandbox card page, notifications with its development mailbox, resident-view, web).

1. Rhiannon chooses Welsh, reports rats, proves her email with the code from the
   mailbox, pays with the sandbox's succeeding card and books the next visit; the
   booking's confirmation reaches the mailbox in Welsh (identity registered her
   preferring the language she reported in; notifications words messages in it).
2. The pest control officer records the visit once it has started (booking's API: the
   workspace has no page for it) and resolves the request on the workspace's case page.
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
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize

import services.web.tests.test_web_browser as pages
from services.web.tests.test_web_officer_processes import tab_to
from services.web.tests.test_web_resident_browser import (
    COVERED,
    DECLINED,
    PHONE,
    SUCCEEDS,
    continue_,
    follow_from_the_confirmation,
    pay_on_the_sandbox,
)
from tests.e2e.demo_clients import bearer, officer_token
from townhall.booking.adapters.calendar_files import BUNDLED, bank_holidays
from townhall.booking.domain.calendar import local
from townhall.cli.launcher import Platform
from townhall.cli.services import SERVICES
from townhall.cli.shared_platform import SHARED_ENV
from townhall.identity.seed import DEMO_PASSWORD
from townhall.runtime.broker import free_port
from townhall.runtime.testkit.fixtures import Processes
from townhall.runtime.testkit.waiting import eventually
from townhall.web.i18n import translations

pytestmark = pytest.mark.asyncio(loop_scope="session")
PEST_OFFICER = "demo.pest@example.org"
#: How long a page may wait for the processes' answer: a shared 2-core machine is slow.
SLOW_MS = 120_000
#: How long a step may take to travel through the broker to another service.
ARRIVES_S = 120
#: The visit chosen starts at least this long after the slots are shown, so it can
#: still be held and confirmed (booking offers only visits that have not started).
CONFIRMING = timedelta(seconds=30)
_CODE = re.compile(r"\b(\d{6})\b")
#: A phone (the resident pages' tests' width), and the officer's desk.
PHONE_SIZE = ViewportSize(width=PHONE["width"], height=PHONE["height"])
DESK_SIZE = ViewportSize(width=pages.WIDE["width"], height=pages.WIDE["height"])


def welsh(english: str) -> str:
    """The front door's Welsh for ``english`` (its own catalogue)."""
    return translations("cy").gettext(english)


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


async def opened(browser: Browser, viewport: ViewportSize) -> BrowserContext:
    context = await browser.new_context(viewport=viewport)
    context.set_default_timeout(SLOW_MS)
    return context


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


class Resident:
    """One resident's own browser (phone width), their email and the request's pages."""

    def __init__(self, page: Page, platform: Platform, client: httpx.AsyncClient, email: str):
        self.page, self.platform, self.client, self.email = page, platform, client, email
        self.web, self.mailbox = platform.urls["web"], platform.urls["notifications"]
        self.name = email.partition("@")[0]
        self.reference = ""
        self.language = "en"
        #: Whether the pages every resident sees are checked on this one's way too
        #: (the first resident's are; the others check only the pages theirs alone reach).
        self.checks_every_page = False

    async def check(self, name: str, *, always: bool = False) -> None:
        """axe-core, 320 px and screenshots; back to the phone's width afterwards."""
        if always or self.checks_every_page:
            await pages.check(self.page, f"journey-{self.name}-{name}")
            await self.page.set_viewport_size(PHONE_SIZE)

    async def mailbox_messages(self) -> list[dict[str, Any]]:
        """What notifications' development mailbox holds for this resident, newest first."""
        answer = await self.client.get(f"{self.mailbox}/dev/mailbox/messages")
        return [m for m in answer.json()["messages"] if m["to"] == self.email]

    async def code(self) -> str:
        """The newest one-time code in the mailbox, as the resident reads it."""

        async def newest() -> str | None:
            found = (_CODE.search(m["body"]) for m in await self.mailbox_messages())
            return next((match.group(1) for match in found if match), None)

        code = await eventually(
            newest, lambda code: code is not None, timeout_s=ARRIVES_S, interval_s=0.5
        )
        assert code is not None
        return code

    async def main_once(self, ready: Callable[[str], bool]) -> str:
        """The request's page, reloaded until what it says is ``ready`` (each step reaches
        resident-view, cases and booking through the broker)."""

        async def reloaded() -> str:
            await self.page.goto(f"{self.web}/track/{self.reference}")
            return await self.page.inner_text("main")

        return await eventually(reloaded, ready, timeout_s=ARRIVES_S, interval_s=0.5)

    def says(self, english: str) -> str:
        return welsh(english) if self.language == "cy" else english


async def report_rats(resident: Resident) -> None:
    """From the catalogue to the request's page, each page checked."""
    page = resident.page
    async with page.expect_navigation():
        await page.click("a[href='/report/pest_control']")
    await page.check("input[name='field-pest'][value='rats']")
    await page.fill("#field-rooms_affected", "2")
    await page.fill("#description", "Rats in the kitchen and under the stairs")
    await resident.check("report-details")
    await continue_(page)
    await page.fill("#address", "1 Example Street, Exampletown")
    await page.fill("#postcode", COVERED)
    await resident.check("report-where")
    await continue_(page)
    await page.fill("#given_name", resident.name.capitalize())
    await page.fill("#family_name", "Ratcatcher")
    await page.fill("#email", resident.email)
    await resident.check("report-contact")
    await continue_(page)
    await resident.check("report-check")
    await continue_(page)
    await page.fill("#code", await resident.code())
    await resident.check("report-code")
    await continue_(page)
    await resident.check("report-confirmation")
    resident.reference = (await page.inner_text(".govuk-panel strong")).strip()
    await follow_from_the_confirmation(page, resident.reference)
    await resident.main_once(lambda main: resident.says("We received your request") in main)
    await resident.check("tracked")


async def pay(resident: Resident, card: str) -> None:
    """Pay on payments' sandbox page; back on the request's page once the payment went
    through, with the request waiting for its visit."""
    name = "declined" if card == DECLINED else "paid"
    await pay_on_the_sandbox(resident.page, card, f"journey-{resident.name}-{name}")
    await resident.page.set_viewport_size(PHONE_SIZE)  # the pay page was checked at each width
    if card == DECLINED:
        await resident.page.wait_for_selector("h1:has-text('Your payment did not go through')")
        return
    assert resident.page.url.endswith(f"/track/{resident.reference}")
    await resident.main_once(lambda main: resident.says("Book a visit") in main)
    await resident.check("paid")


async def pay_by_keyboard(resident: Resident, card: str, name: str) -> None:
    """As :func:`pay` does, by keyboard alone (Tab to each control, Enter to press it),
    through payments' sandbox card page (checked as the front door's pages are)."""
    page = resident.page

    async def press(selector: str) -> None:
        await tab_to(page, selector)
        async with page.expect_navigation():
            await page.keyboard.press("Enter")

    await press("main form .govuk-button")  # "Pay the fee" or "Try paying again"
    await press("main a.govuk-button--start")
    await resident.check(f"{name}-sandbox-card", always=True)
    await tab_to(page, "#card_number")
    await page.keyboard.type(card)
    await press("button[value='pay']")
    await press("a")  # the sandbox's "continue", back to the front door


async def book(resident: Resident, choose: Callable[[list[str]], str]) -> str:
    """The slots offered, the one ``choose`` picks held and confirmed; the slot's value
    (``resource|starts_at``)."""
    page = resident.page
    async with page.expect_navigation():
        await page.click("main a.govuk-button[href$='/book']")
    await resident.check("book-slots")
    chosen = choose(await offered(page))
    await page.check(f"input[name='slot'][value='{chosen}']")
    await continue_(page)
    assert "/book/confirm" in page.url
    await resident.check("book-confirm")
    await continue_(page)
    assert page.url.endswith(f"/track/{resident.reference}")
    assert await page.is_visible(".govuk-notification-banner")
    await resident.check("booked")
    return chosen


async def offered(page: Page) -> list[str]:
    values: list[str] = await page.eval_on_selector_all(
        "input[name='slot']", "found => found.map(radio => radio.value)"
    )
    return values


def starts(slot: str) -> datetime:
    return datetime.fromisoformat(slot.partition("|")[2])


def the_next_that_can_be_confirmed(slots: list[str]) -> str:
    soon = datetime.now(UTC) + CONFIRMING
    return next(slot for slot in slots if starts(slot) >= soon)


def the_last(slots: list[str]) -> str:
    return slots[-1]


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
    mailbox = await resident.page.context.new_page()
    await mailbox.goto(f"{resident.mailbox}/dev/mailbox")
    assert subject in await mailbox.inner_text("body")
    await mailbox.screenshot(path=pages.ARTEFACTS / f"journey-{resident.name}-mailbox.png")
    await mailbox.close()
    return message


async def record_the_visit(platform: Platform, client: httpx.AsyncClient, reference: str) -> None:
    """The officer records the visit through booking's API (the workspace has no page
    for it), accepted once the visit has started: booking refuses it before."""
    token = await officer_token(client, platform.urls["identity"], PEST_OFFICER)
    booking = platform.urls["booking"]
    found = await client.get(f"{booking}/cases/{reference}/appointments", headers=bearer(token))
    [visit] = [a for a in found.json() if a["status"] == "confirmed"]
    url = f"{booking}/appointments/{visit['id']}/outcome"

    async def record() -> httpx.Response:
        return await client.post(url, json={"outcome": "completed"}, headers=bearer(token))

    recorded = await eventually(
        record, lambda answer: answer.status_code != 409, timeout_s=180, interval_s=1
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["status"] == "visited"


async def resolve_on_the_case_page(page: Page, web: str, reference: str) -> None:
    """The officer moves the request on, on the workspace's case page: in progress, then
    resolved."""
    await page.goto(f"{web}/officer/sign-in")
    await page.fill("#email", PEST_OFFICER)
    await page.fill("#password", DEMO_PASSWORD)
    await page.click("button:has-text('Sign in')")
    await page.wait_for_url(f"{web}/officer")
    await page.goto(f"{web}/officer/cases/{reference}")
    await pages.check(page, "journey-officer-case")
    for state in ("in_progress", "resolved"):
        await page.check(f"input[name='to'][value='{state}']")
        async with page.expect_navigation():
            await page.click("main button:has-text('Move the case on')")
        assert await page.locator(".govuk-error-summary").count() == 0, state
    await pages.check(page, "journey-officer-resolved")


def in_order(entries: list[str], wanted: list[str]) -> list[str]:
    """Which of ``wanted`` appear one after another in ``entries`` (each a step's text),
    as far as they do."""
    found, at = [], 0
    for text in wanted:
        while at < len(entries) and text not in entries[at]:
            at += 1
        if at == len(entries):
            break
        found.append(text)
        at += 1
    return found


async def steps_oldest_first(page: Page) -> list[str]:
    newest_first = await page.locator(".townhall-timeline__entry").all_inner_texts()
    return list(reversed(newest_first))


async def cancel(resident: Resident) -> None:
    page = resident.page
    async with page.expect_navigation():
        await page.click("main a[href$='/visit/cancel']")
    await resident.check("cancel-visit", always=True)
    await continue_(page)
    assert await page.is_visible(".govuk-notification-banner:has-text('Your visit is cancelled.')")


async def sam_cancels_before_the_visit(residents: Callable[[str], Awaitable[Resident]]) -> None:
    """The refund shows on the request's page and the time is offered again."""
    sam = await residents("sam@example.org")
    await sam.page.goto(f"{sam.web}/report")
    await report_rats(sam)
    await pay(sam, SUCCEEDS)
    slot = await book(sam, the_last)
    await cancel(sam)
    refunded = ("A refund was asked for", "Your refund was paid", "Book a visit")
    await sam.main_once(lambda main: all(text in main for text in refunded))
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
    await pat.main_once(lambda main: "Your payment went through" in main)


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

    await record_the_visit(platform, client, rhiannon.reference)
    officer = await opened(browser, DESK_SIZE)
    try:
        await resolve_on_the_case_page(await officer.new_page(), rhiannon.web, rhiannon.reference)
    finally:
        await officer.close()

    done = welsh("Now: %(status)s") % {"status": welsh("Done")}
    main = await rhiannon.main_once(lambda main: done in main)
    every_step = [
        welsh("We received your request"),
        welsh("Your payment went through"),
        welsh("Your visit was booked"),
        welsh("We sent you a message"),
        welsh("We visited"),
        done,
    ]
    assert in_order(await steps_oldest_first(rhiannon.page), every_step) == every_step
    assert "We received your request" not in main, "in Welsh, not English"
    assert await rhiannon.page.get_attribute("html", "lang") == "cy"
    await rhiannon.check("resolved")
