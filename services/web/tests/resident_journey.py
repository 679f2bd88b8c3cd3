"""A resident's steps through the front door in Chromium, against running processes:
their own phone (a browser context), the codes and messages read from notifications'
development mailbox as they would read them, each page checked as
:func:`services.web.tests.test_web_browser.check` checks pages (axe-core, 320 px, a
screenshot). Used by ``test_web_front_door_journey.py``."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize

import services.web.tests.test_web_browser as pages
from services.web.tests.test_web_officer_processes import tab_to
from services.web.tests.test_web_resident_browser import (
    COVERED,
    DECLINED,
    PHONE,
    continue_,
    follow_from_the_confirmation,
    pay_on_the_sandbox,
)
from townhall.cli.launcher import Platform
from townhall.runtime.testkit.waiting import eventually
from townhall.web.i18n import translations

#: How long a page may wait for the processes' answer: a shared 2-core machine is slow.
SLOW_MS = 120_000
#: How long a step may take to travel through the broker to another service.
ARRIVES_S = 120
#: The visit chosen starts at least this long after the slots are shown, so it can
#: still be held and confirmed (booking offers only visits that have not started).
CONFIRMING = timedelta(seconds=30)
#: A phone (the resident pages' tests' width), and the officer's desk.
PHONE_SIZE = ViewportSize(width=PHONE["width"], height=PHONE["height"])
DESK_SIZE = ViewportSize(width=pages.WIDE["width"], height=pages.WIDE["height"])
_CODE = re.compile(r"\b(\d{6})\b")


def welsh(english: str) -> str:
    """The front door's Welsh for ``english`` (its own catalogue)."""
    return translations("cy").gettext(english)


async def opened(browser: Browser, viewport: ViewportSize) -> BrowserContext:
    context = await browser.new_context(viewport=viewport)
    context.set_default_timeout(SLOW_MS)
    return context


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

    async def track_until(self, ready: Callable[[str], bool]) -> str:
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
    await resident.track_until(lambda main: resident.says("We received your request") in main)
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
    await resident.track_until(lambda main: resident.says("Book a visit") in main)
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
