"""The officer workspace in a real browser (Debian's Chromium through Playwright):
axe-core finds no serious or critical violation on any page, nothing scrolls sideways
at 320 px, a journey works by keyboard alone, the pages work without JavaScript and run
their scripts under the Content-Security-Policy, and a mistake shows the error summary
and changes nothing. Screenshots of each page go to ``services/web/test-artefacts``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page
from sqlalchemy import func, select

from services.web.tests.web_platform import Platform
from townhall.identity.domain.commands import AskAboutDuplicate
from townhall.resident_view.adapters.orm import lookup_audit
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.runtime.outbox import EventContext

pytestmark = pytest.mark.asyncio(loop_scope="session")
WEB = Path(__file__).resolve().parents[1]
AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"  # make web-assets installs it
ARTEFACTS = WEB / "test-artefacts" / "screenshots"
NARROW = {"width": 320, "height": 640}
WIDE = {"width": 1280, "height": 900}


class Watched:
    """A page whose console is watched for Content-Security-Policy refusals."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.refused: list[str] = []
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.refused.append(message.text)


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    opened = await browser.new_context(viewport=WIDE)
    yield opened
    await opened.close()


async def sign_in(page: Page, services: Platform, email: str) -> None:
    await page.goto(f"{services.web_url}/officer/sign-in")
    await page.fill("#email", email)
    await page.fill("#password", services.password)
    await page.click("button:has-text('Sign in')")
    await page.wait_for_url(f"{services.web_url}/officer")


async def search_for_ada(page: Page) -> None:
    await page.fill("#query", "Ada Example")
    await page.fill("#purpose", "phone call about a missed bin")
    await page.click("main button:has-text('Search')")
    await page.wait_for_selector("h1:has-text('Search results')")


async def uncertain_match(services: Platform) -> str:
    """A council tax record the engine is unsure is Ada: identity queues it for review."""
    record = {
        "system": "council_tax",
        "reference": "CT-00000043",
        "given_name": "A",
        "family_name": "Example",
        "date_of_birth": "1985-12-10",
    }
    login = await services.identity.login(services.contact)
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    matched = await services.identity.http.post("/records/match", json=record, headers=headers)
    assert matched.json()["outcome"] == "review", matched.text
    return str(matched.json()["review_id"])


async def uncertain_pair(services: Platform) -> str:
    """Two residents identity's duplicate pass was unsure of: a review item naming both."""
    other = await services.identity.register(given_name="A", family_name="Example")
    shown = {"field": "family_name", "incoming": "example", "existing": "example",
             "agreement": "agree", "level": "exact", "weight": 4.2}  # fmt: skip
    ask = AskAboutDuplicate(uuid.UUID(services.ada), uuid.UUID(other), 0.7,
                            {"given_name": "A", "family_name": "Example"}, (shown,))  # fmt: skip
    return str(await services.identity.services.bus.handle(ask, EventContext("test")))


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations (run through the DevTools protocol,
    which the page's Content-Security-Policy does not govern)."""
    await page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = await page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))"""
    )
    return found


async def check(page: Page, name: str) -> None:
    """axe, sideways scrolling at 320 px, and a screenshot at each width (axe's rules
    read the markup, which is the same at both)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    assert await serious_violations(page) == [], name
    await page.screenshot(path=ARTEFACTS / f"{name}-wide.png", full_page=True)
    await page.set_viewport_size(NARROW)
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways at 320 px by {overflow} px"
    await page.screenshot(path=ARTEFACTS / f"{name}-320.png", full_page=True)
    await page.set_viewport_size(WIDE)


async def test_every_page_is_accessible_and_fits_320_px(
    services: Platform, context: BrowserContext
) -> None:
    watched = Watched(await context.new_page())
    page = watched.page
    await page.goto(f"{services.web_url}/officer/sign-in")
    await check(page, "sign-in")
    await page.click("button:has-text('Sign in')")
    await page.wait_for_selector(".govuk-error-summary")
    await check(page, "sign-in-errors")
    await sign_in(page, services, services.contact)
    await check(page, "find-a-resident")
    await search_for_ada(page)
    await check(page, "search-results")
    await page.click(f"a[href='/officer/residents/{services.ada}']")
    await page.wait_for_selector("h2:has-text('History')")
    await check(page, "resident")
    await page.click("a:has-text('Log a contact with this resident')")
    await page.wait_for_selector("h1:has-text('Log a contact')")
    await check(page, "log-a-contact")
    await page.goto(f"{services.web_url}/officer/residents/{services.ada}/request")
    await page.check("input[value='pest_control']")
    await page.click("main button:has-text('Continue')")
    await page.wait_for_selector("h1:has-text('Pest control')")
    await check(page, "raise-a-request")
    await page.goto(f"{services.web_url}/officer/search")
    await check(page, "advanced-search")
    review_id = await uncertain_match(services)
    await page.goto(f"{services.web_url}/officer/review/{review_id}")
    await check(page, "review-a-match")
    await page.goto(f"{services.web_url}/officer/review/{await uncertain_pair(services)}")
    await check(page, "review-two-residents")
    await page.goto(f"{services.web_url}/officer/queue")
    await check(page, "work-queue")
    await page.click("button[lang='cy']")
    await page.wait_for_selector("h1:has-text('Ciw gwaith')")
    await check(page, "work-queue-cy")
    assert watched.refused == [], "the pages' scripts and styles all load under the CSP"


async def test_a_journey_by_keyboard_alone(services: Platform, context: BrowserContext) -> None:
    page = await context.new_page()
    await page.goto(f"{services.web_url}/officer/sign-in")

    async def tab_to(selector: str) -> None:
        for _ in range(30):
            await page.keyboard.press("Tab")
            if await page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    await tab_to("#email")
    await page.keyboard.type(services.contact)
    await tab_to("#password")
    await page.keyboard.type(services.password)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{services.web_url}/officer")
    await tab_to("#query")
    await page.keyboard.type("Ada Example")
    await tab_to("#purpose")
    await page.keyboard.type("phone call")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("h1:has-text('Search results')")
    await tab_to(f"a[href='/officer/residents/{services.ada}']")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("h2:has-text('History')")
    assert "You see a summary because this is from Waste." in await page.inner_text("main")


async def test_the_pages_work_without_javascript(services: Platform, browser: Browser) -> None:
    context = await browser.new_context(java_script_enabled=False, viewport=WIDE)
    try:
        page = await context.new_page()
        await sign_in(page, services, services.contact)
        await search_for_ada(page)
        await page.click(f"a[href='/officer/residents/{services.ada}']")
        await page.wait_for_selector("h2:has-text('History')")
        assert await page.evaluate("document.body.className") == "govuk-template__body"
    finally:
        await context.close()


async def test_a_mistake_shows_the_error_summary_and_changes_nothing(
    services: Platform, context: BrowserContext
) -> None:
    async def lookups() -> int:
        async with services_of(services.resident_view).runtime.sessions() as session:
            query = select(func.count()).select_from(lookup_audit)
            return int((await session.execute(query)).scalar_one())

    page = await context.new_page()
    await sign_in(page, services, services.waste)
    before = await lookups()
    await page.fill("#query", "Ada Example")
    await page.click("main button:has-text('Search')")
    summary = await page.wait_for_selector(".govuk-error-summary")
    assert summary is not None
    assert "Enter why you are looking for this resident" in await summary.inner_text()
    assert await page.input_value("#query") == "Ada Example", "what was typed is kept"
    focused = "document.activeElement.classList.contains('govuk-error-summary')"
    assert await page.evaluate(focused), "GOV.UK Frontend's script moved focus to the summary"
    assert (await page.title()).startswith("Error:")
    await page.click(".govuk-error-summary a[href='#purpose']")
    assert await page.evaluate("document.activeElement.id") == "purpose"
    assert await lookups() == before
    await page.goto(f"{services.web_url}/officer/cases/{services.case_reference}")
    await check(page, "case")
    await page.click("button:has-text('Post the update')")
    await page.wait_for_selector(".govuk-error-summary a[href='#update']")
    await check(page, "case-errors")


async def test_the_administration_and_merge_pages_are_accessible_and_fit_320_px(
    services: Platform, context: BrowserContext
) -> None:
    identity = services.identity
    survivor = await identity.register(given_name="Cerys", family_name="Survivor")
    duplicate = await identity.register(given_name="Cerys", family_name="Duplicate")
    login = await identity.login(services.lead)
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    merge = {"merged_id": duplicate}
    merged = await identity.http.post(f"/residents/{survivor}/merge", json=merge, headers=headers)
    assert merged.status_code == 204, merged.text
    page = await context.new_page()
    await sign_in(page, services, services.lead)
    await search_for_ada(page)
    await page.goto(f"{services.web_url}/officer/audit")
    await check(page, "audit-reads")
    await page.select_option("#show", "searches")
    await page.fill("#purpose", "missed bin")
    await page.click("main button:has-text('Show entries')")
    await page.wait_for_selector("caption:has-text('Searches and tracking look-ups')")
    await check(page, "audit-searches")
    await page.fill("#from", "31/02/2026")
    await page.click("main button:has-text('Show entries')")
    await page.wait_for_selector(".govuk-error-summary a[href='#from']")
    await check(page, "audit-errors")
    await page.goto(f"{services.web_url}/officer/residents/{survivor}/merged/{duplicate}")
    await check(page, "separate-a-merged-record")
    await page.click("main button:has-text('Continue')")
    await page.wait_for_selector(
        ".govuk-error-summary a[href='#separate-yes'], .govuk-error-summary a[href='#separate']"
    )
    await check(page, "separate-a-merged-record-errors")
    await page.goto(f"{services.web_url}/officer/queue")
    await check(page, "work-queue-counts")
