"""My account in a real browser (Debian's Chromium through Playwright) at phone width,
against identity, cases, resident-view, payments and booking served for real: a resident
creates an account (the email proved with the code identity sends), reports something
signed in, signs out and in again, sees the request and their history, who looked at
it, changes their language to Welsh, and asks for a copy of their data, then downloads
it. On every
page axe-core finds no serious or critical violation and nothing scrolls sideways at
320 px; a mistake shows the error summary. Screenshots go to ``services/web/test-artefacts``."""

from __future__ import annotations

import asyncio
import json
import uuid
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page

from services.web.tests.test_web_browser import Watched, check
from services.web.tests.web_platform import Platform, relay

pytestmark = pytest.mark.asyncio(loop_scope="session")
PHONE = {"width": 375, "height": 740}
PASSWORD = "a resident's long password"


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    opened = await browser.new_context(viewport=PHONE, accept_downloads=True)
    yield opened
    await opened.close()


async def code_sent_to(services: Platform, email: str) -> str:
    """The newest one-time code identity sent ``email`` (sealed in its event, opened as
    notifications opens it to send it)."""
    messages = await services.identity.sent()
    code: str = next(m["code"] for m in messages if m["to"] == email and m["code"])
    return code


async def a_request_of_theirs(services: Platform, email: str) -> str:
    """A missed bin the account holder reported signed in (through cases' API), relayed
    to resident-view; its reference."""
    login = {"email": email, "password": PASSWORD}
    signed_in = await services.identity.http.post("/auth/resident-token", json=login)
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["access_token"]
    case = {
        "service_code": "missed_bin",
        "details": {"bin_type": "recycling"},
        "description": "Recycling not collected",
        "reporter": {},
        "location": {"address": "2 Example Road", "uprn": "100000000002"},
    }
    async with httpx.AsyncClient(base_url=services.cases_url) as cases:
        raised = await cases.post("/cases", json=case, headers={"Authorization": f"Bearer {token}"})
    assert raised.status_code == 201, raised.text
    await relay(services)
    return str(raised.json()["reference"])


async def sign_up(page: Page, services: Platform, email: str) -> None:
    """From the sign-in page: create an account, the error summary first, then the
    code identity sent to the email; signed in at the account's home."""
    await go(page, "main a[href='/account/sign-up']")
    await check(page, "account-sign-up")
    await submit(page, "/account/sign-up")  # nothing typed: the error summary
    await page.wait_for_selector(".govuk-error-summary a[href='#given_name']")
    await check(page, "account-sign-up-errors")
    await page.fill("#given_name", "Megan")
    await page.fill("#family_name", "Jones")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await submit(page, "/account/sign-up")
    await check(page, "account-sign-up-code")
    await page.fill("#code", await code_sent_to(services, email))
    await submit(page, "/account/sign-up/code")
    assert page.url.endswith("/account")


async def go(page: Page, link: str) -> None:
    async with page.expect_navigation():
        await page.click(link)


async def submit(page: Page, action: str) -> None:
    async with page.expect_navigation():
        await page.click(f"main form[action='{action}'] button[type='submit']")


async def test_a_resident_signs_in_sees_their_account_goes_welsh_and_downloads_their_data(
    services: Platform, phone: BrowserContext
) -> None:
    email = f"account.{uuid.uuid4().hex[:8]}@example.org"
    watched = Watched(await phone.new_page())
    page = watched.page
    await page.goto(f"{services.web_url}/account")
    assert page.url.endswith("/account/sign-in"), "the account asks to sign in first"
    await sign_up(page, services, email)
    reference = await a_request_of_theirs(services, email)
    await submit(page, "/account/sign-out")
    assert page.url.endswith("/account/sign-in")
    await check(page, "account-sign-in")
    await submit(page, "/account/sign-in")  # nothing typed: the error summary
    await page.wait_for_selector(".govuk-error-summary a[href='#email']")
    await check(page, "account-sign-in-errors")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await submit(page, "/account/sign-in")
    assert "Megan Jones" in await page.inner_text("h1")
    await check(page, "account-home")

    await go(page, "main a[href='/account/requests']")
    await check(page, "account-requests")
    await go(page, f"a[href='/account/requests/{reference}']")
    assert page.url.endswith(f"/track/{reference}"), "followed with the account, no code"
    assert "We received your request" in await page.inner_text("main")

    await page.goto(f"{services.web_url}/account/history")
    assert "We received your request" in await page.inner_text("main")
    await check(page, "account-history")
    await go(page, "main a[href='/account/access-log']")
    assert "own history" in await page.inner_text("main"), "their own reads are listed"
    await check(page, "account-access-log")
    await go(page, "main a[href='/account/consents']")
    await check(page, "account-consents")

    await go(page, "main a[href='/account/preferences']")
    await check(page, "account-preferences")
    await page.check("input[name='language'][value='cy']")
    await submit(page, "/account/preferences")
    assert await page.get_attribute("html", "lang") == "cy"
    assert "Iaith a manylion cyswllt" in await page.inner_text("h1")
    await check(page, "account-preferences-cy")

    await go(page, "main a[href='/account/export']")
    await check(page, "account-export-cy")
    await submit(page, "/account/export")
    download_link = page.locator("a[href='/account/export/download']")
    await download_link.wait_for()  # the progress page refreshes itself until it is ready
    await check(page, "account-export-ready-cy")
    async with page.expect_download() as started:
        await download_link.click()
    downloaded = await started.value
    saved = Path(await downloaded.path())
    held = json.loads(await asyncio.to_thread(_data_of, saved))
    assert held["record"]["contact_points"][0]["value"] == email
    assert [case["reference"] for case in held["requests"]] == [reference]
    assert any(e.get("case_reference") == reference for e in held["timeline"])
    assert held["incomplete"] == [] and held["payments"] == [] and held["visits"] == []
    assert held["evidence"] == {reference: []}
    assert watched.refused == [], "no Content-Security-Policy refusals"


def _data_of(saved: Path) -> bytes:
    """The data in a downloaded export (a zip: the data beside any evidence files)."""
    with zipfile.ZipFile(saved) as archive:
        return archive.read("my-data.json")
