"""The officer workspace in a real browser against real processes, started as `make run`
starts them (the embedded broker, identity, cases, resident-view, notifications and web,
each its own process with the demo wiring `townhall up` gives them; web's sessions in its
database, as replicas would share them).

The contact centre officer signs in and finds Ada by keyboard alone, reads her history,
logs a call, and raises a missed-bin request for her; the history then shows it as a
summary, with the reason. The waste officer works that request from their queue. The
contact centre officer, who decides identity matches, decides a record the engine was
unsure of. Every page is checked with axe-core (no serious or critical violation), at
320 px (no sideways scrolling), and photographed under ``services/web/test-artefacts``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page

import services.web.tests.test_web_browser as pages
from townhall.cli.launcher import Platform
from townhall.identity.seed import DEMO_PASSWORD
from townhall.runtime.testkit.waiting import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
CONTACT = "demo.contact@example.org"
WASTE = "demo.waste@example.org"
PURPOSE = "phone call about a missed bin"
#: How long a page may wait for the processes' answer: a shared 2-core machine is slow.
SLOW_MS = 120_000


@pytest.fixture
def running(demo_platform: Platform) -> Platform:
    """`make run`'s platform (web's sessions in its database), shared with the
    end-to-end tests."""
    return demo_platform


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    opened = await browser.new_context(viewport=pages.WIDE)
    opened.set_default_timeout(SLOW_MS)
    yield opened
    await opened.close()


async def tab_to(page: Page, selector: str) -> None:
    for _ in range(40):
        await page.keyboard.press("Tab")
        if await page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


async def ada(identity: str, view: str) -> str:
    """Ada, one of the demo residents, once resident-view has projected her from identity."""
    async with httpx.AsyncClient(timeout=15) as client:
        login = await client.post(
            f"{identity}/auth/officer-token", json={"email": CONTACT, "password": DEMO_PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

        async def found() -> list[dict[str, str]]:
            params = {"name": "Ada Example", "purpose": "test set-up"}
            answer = await client.get(f"{view}/residents/search", params=params, headers=headers)
            return list(answer.json().get("results", [])) if answer.status_code == 200 else []

        results = await eventually(found, bool, timeout_s=90)
    return str(results[0]["resident_id"])


#: Council tax records that look like Ada, less and less alike: the first the engine is
#: unsure of goes to the review queue (one it is sure of is linked, or made a resident).
LOOKALIKES = (
    {"given_name": "Ada", "family_name": "Example"},
    {"given_name": "A", "family_name": "Example", "email": "ada.example@example.org"},
    {"given_name": "Ada", "family_name": "Exampel", "email": "ada.example@example.org"},
)


async def uncertain_match(identity: str) -> str:
    """A council tax record the engine is unsure is Ada: identity queues it for review."""
    async with httpx.AsyncClient(timeout=15) as client:
        login = await client.post(
            f"{identity}/auth/officer-token", json={"email": CONTACT, "password": DEMO_PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        outcomes = []
        for n, lookalike in enumerate(LOOKALIKES):
            record = {"system": "council_tax", "reference": f"CT-0000007{n}", **lookalike}
            matched = await client.post(f"{identity}/records/match", json=record, headers=headers)
            outcomes.append(matched.text)
            if matched.json().get("outcome") == "review":
                return str(matched.json()["review_id"])
    raise AssertionError(f"no record went to review: {outcomes}")


async def sign_in_by_keyboard(page: Page, web: str, email: str) -> None:
    await page.goto(f"{web}/officer/sign-in")
    await tab_to(page, "#email")
    await page.keyboard.type(email)
    await tab_to(page, "#password")
    await page.keyboard.type(DEMO_PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{web}/officer")


async def history_shows(page: Page, text: str) -> str:
    """The resident's page, reloaded until its history shows ``text`` (the projection
    follows cases' events through the broker)."""

    async def shown() -> str:
        await page.reload()
        return await page.inner_text("main")

    return await eventually(shown, lambda main: text in main, timeout_s=90, interval_s=0.5)


async def test_officers_work_through_the_real_processes_by_browser(
    running: Platform, browser: Browser, context: BrowserContext
) -> None:
    web = running.urls["web"]
    resident = await ada(running.urls["identity"], running.urls["resident-view"])
    page = await context.new_page()

    await sign_in_by_keyboard(page, web, CONTACT)
    await pages.check(page, "processes-find-a-resident")
    await tab_to(page, "#query")
    await page.keyboard.type("Ada Example")
    await tab_to(page, "#purpose")
    await page.keyboard.type(PURPOSE)
    await page.keyboard.press("Enter")
    await page.wait_for_selector("h1:has-text('Search results')")
    await pages.check(page, "processes-search-results")
    await tab_to(page, f"a[href='/officer/residents/{resident}']")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("h2:has-text('History')")
    await pages.check(page, "processes-resident")

    await page.click("a:has-text('Log a contact with this resident')")
    await page.check("input[name='channel'][value='phone']")
    await page.check("input[name='reason'][value='new_request']")
    await page.check("input[name='outcome'][value='case_created']")
    await page.fill("#minutes", "3")
    await pages.check(page, "processes-log-a-contact")
    await page.click("main button:has-text('Log the contact')")
    await page.wait_for_selector("text=The contact has been logged.")

    await page.goto(f"{web}/officer/residents/{resident}/request")
    await page.check("input[name='service'][value='missed_bin']")
    await page.click("main button:has-text('Continue')")
    await page.check("input[name='channel'][value='phone']")
    await page.check("input[name='field-bin_type'][value='recycling']")
    await page.fill("#description", "Recycling missed two weeks running")
    await page.fill("#address", "2 Example Street")
    await pages.check(page, "processes-raise-a-request")
    async with page.expect_navigation():
        await page.click("main button:has-text('Raise the request')")
    raised = await page.inner_text("main")
    assert page.url == f"{web}/officer/residents/{resident}", raised
    reference = next(word for word in raised.split() if word.startswith("MB-"))
    main = await history_shows(page, "You see a summary because this is from Waste.")
    assert f"Request {reference}" in main, "the summary links to its request"
    await pages.check(page, "processes-resident-summary")

    review_id = await uncertain_match(running.urls["identity"])
    await page.goto(f"{web}/officer/review/{review_id}")
    await pages.check(page, "processes-review-a-match")
    await page.check("input[name='decision'][value='different']")
    await page.click("main button:has-text('Save the decision')")
    await page.wait_for_selector("text=Decided: different people.")

    waste = await browser.new_context(viewport=pages.WIDE)
    waste.set_default_timeout(SLOW_MS)
    try:
        officer = await waste.new_page()
        await sign_in_by_keyboard(officer, web, WASTE)
        await officer.goto(f"{web}/officer/queue")
        await officer.wait_for_selector(f"a:has-text('{reference}')")
        await pages.check(officer, "processes-work-queue")
        await officer.click(f"a:has-text('{reference}')")
        await officer.check("input[name='to'][value='triaged']")
        await pages.check(officer, "processes-case")
        await officer.click("main button:has-text('Move the case on')")
        await officer.wait_for_selector("text=Triaged")
        await officer.fill("#update", "A crew will collect it on Friday")
        await officer.click("main button:has-text('Post the update')")
        await officer.wait_for_selector("text=A crew will collect it on Friday")
    finally:
        await waste.close()
