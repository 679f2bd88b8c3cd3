"""The resident front door in a real browser (Debian's Chromium through Playwright), at phone
width, against identity, cases, resident-view and payments served for real: a resident
reports rats from the catalogue, proves their email with the code identity sends in the
language they chose (read from its sealed event, as notifications reads it), goes from the
confirmation straight to the request's page without a second code, and pays the fee on
payments' sandbox card page (in English first with the declined test card, then again), in
English and in Welsh; coming back later, they track it by its reference and a new code. On
every page axe-core finds no serious or critical violation and nothing scrolls sideways at
320 px; a mistake shows the error summary and sends nothing. Screenshots go to
``services/web/test-artefacts``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page
from sqlalchemy import func, select

from services.web.tests.test_web_browser import Watched
from services.web.tests.test_web_browser import check as check_page
from services.web.tests.web_platform import Platform, relay
from townhall.cases.adapters.orm import cases as case_rows
from townhall.cases.entrypoints.api.dependencies import services_of as cases_of

pytestmark = pytest.mark.asyncio(loop_scope="session")
PHONE = {"width": 375, "height": 740}
#: What the tracking page says first, in each language, for a new pest control request.
RECEIVED = {"en": "We received your request", "cy": "Cawsom eich cais"}
TRACK_HEADING = {"en": "Your request", "cy": "Eich cais"}
PAID = {"en": "Your payment went through", "cy": "Aeth eich taliad drwodd"}
BOOKED = {"en": "Your visit is booked for", "cy": "Mae eich ymweliad wedi'i drefnu ar gyfer"}
#: The postcode the report gives: one booking's shipped pest control calendar covers.
#: Cases keeps it and publishes its sector, so booking asks the resident nothing more.
COVERED = "E1 6AN"
#: GOV.UK Pay's test cards, as payments' sandbox takes them.
SUCCEEDS, DECLINED = "4444333322221111", "4000000000000002"


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    opened = await browser.new_context(viewport=PHONE)
    yield opened
    await opened.close()


async def requests_held(services: Platform) -> int:
    async with cases_of(services.cases).runtime.sessions() as session:
        query = select(func.count()).select_from(case_rows)
        return int((await session.execute(query)).scalar_one())


async def code_sent_to(services: Platform, contact: str) -> str:
    """The newest one-time code identity sent ``contact`` (sealed in its event, opened as
    notifications opens it to send it)."""
    messages = await services.identity.sent()
    code: str = next(
        m["code"] for m in messages if m["to"] == contact and m["type"] == "code" and m["code"]
    )
    return code


async def continue_(page: Page) -> None:
    """Press the page's form button and wait for the page it leads to."""
    async with page.expect_navigation():
        await page.click("main form .govuk-button")


async def report_rats(page: Page, services: Platform, email: str, language: str | None) -> str:
    """The whole report, page by page, each page checked (axe, 320 px, a screenshot)
    unless ``language`` is None; the reference the confirmation gives."""

    async def check(page: Page, name: str) -> None:
        if language is not None:
            await check_page(page, name)

    await page.click("a[href='/report/pest_control']")
    await continue_(page)  # nothing answered: the error summary
    await page.wait_for_selector(".govuk-error-summary a[href='#field-pest']")
    await check(page, f"report-details-errors-{language}")
    await page.check("input[name='field-pest'][value='rats']")
    await page.fill("#field-rooms_affected", "2")
    await page.fill("#description", "Rats in the kitchen and under the stairs")
    await check(page, f"report-details-{language}")
    await continue_(page)
    await page.fill("#address", "1 Example Street, Exampletown")
    await page.fill("#postcode", COVERED.lower())
    await check(page, f"report-where-{language}")
    await continue_(page)
    await page.fill("#given_name", "Rita")
    await page.fill("#family_name", "Ratcatcher")
    await page.fill("#email", email)
    await check(page, f"report-contact-{language}")
    await continue_(page)
    assert COVERED in await page.inner_text("main")
    await check(page, f"report-check-{language}")
    await continue_(page)
    await page.fill("#code", await code_sent_to(services, email))
    await check(page, f"report-code-{language}")
    await continue_(page)
    await check(page, f"report-confirmation-{language}")
    reference = await page.inner_text(".govuk-panel strong")
    return reference.strip()


async def follow_from_the_confirmation(page: Page, reference: str) -> None:
    """The reporter's code named the request: its page, with no second code."""
    async with page.expect_navigation():
        await page.click(f"main a[href='/track/{reference}']")
    assert page.url.endswith(f"/track/{reference}")


async def track_later(page: Page, services: Platform, email: str, reference: str) -> None:
    """Coming back another day: the reference and a new code."""
    await page.goto(f"{services.web_url}/track?reference={reference}")
    assert await page.input_value("#reference") == reference, "the reference is filled in"
    await page.fill("#contact", email)
    await continue_(page)
    await page.fill("#code", await code_sent_to(services, email))
    await continue_(page)
    assert page.url.endswith(f"/track/{reference}")


async def pay_on_the_sandbox(page: Page, card: str, name: str) -> None:
    """From the request's page: pay, on to the provider's page (payments' sandbox), the
    card, and back to the front door."""
    await continue_(page)  # "Pay the fee"
    await check_page(page, f"pay-{name}")
    async with page.expect_navigation():
        await page.click("main a.govuk-button--start")
    await page.fill("#card_number", card)
    async with page.expect_navigation():
        await page.click("button[value='pay']")
    async with page.expect_navigation():
        await page.click("a")  # the sandbox's "continue", back to the return URL


async def book_a_visit(page: Page, language: str) -> None:
    """From the request's page, paid: the times offered straight away (booking knows the
    property's area from the report: no postcode asked again), a time (none chosen first:
    the error summary), the hold's page, confirmed; back on the request's page."""
    async with page.expect_navigation():
        await page.click("main a.govuk-button[href$='/book']")
    assert await page.locator("#postcode").count() == 0, "the postcode is not asked again"
    assert await page.locator("input[name='slot']").count() > 0
    await continue_(page)  # no time chosen
    await page.wait_for_selector(".govuk-error-summary a[href='#slot']")
    await check_page(page, f"book-slots-errors-{language}")
    await page.check("input[name='slot'] >> nth=0")
    await continue_(page)
    assert "/book/confirm" in page.url
    assert "10" in await page.inner_text("main"), "how long the time is kept"
    await check_page(page, f"book-confirm-{language}")
    await continue_(page)
    assert await page.is_visible(f'.govuk-notification-banner:has-text("{BOOKED[language]}")')
    await check_page(page, f"booked-{language}")


async def change_the_visit(page: Page) -> None:
    """From the request's page, booked: another time instead (Welsh pages)."""
    async with page.expect_navigation():
        await page.click("main a[href$='/visit/change']")
    await check_page(page, "change-visit-cy")
    await page.check("input[name='slot'] >> nth=1")
    await continue_(page)
    assert await page.is_visible(".govuk-notification-banner:has-text('wedi\\'i symud i')")


async def cancel_the_visit(page: Page) -> None:
    async with page.expect_navigation():
        await page.click("main a[href$='/visit/cancel']")
    await check_page(page, "cancel-visit")
    refund = await page.inner_text("#refund")
    assert "we will refund the £65.00 you paid" in refund, "said before anything is cancelled"
    await continue_(page)
    assert await page.is_visible(".govuk-notification-banner:has-text('Your visit is cancelled.')")


@pytest.mark.parametrize("language", ["en", "cy"])
async def test_a_resident_reports_rats_and_tracks_the_request(
    services: Platform, phone: BrowserContext, language: str
) -> None:
    watched = Watched(await phone.new_page())
    page = watched.page
    email = f"rita.{language}@example.org"
    await page.goto(f"{services.web_url}/report")
    if language == "cy":
        await page.click("a[lang='cy']")
        await page.wait_for_selector("html[lang='cy']")
    await check_page(page, f"report-catalogue-{language}")
    before = await requests_held(services)

    reference = await report_rats(page, services, email, language)
    await relay(services)  # what the relays and resident-view's consumer do
    await follow_from_the_confirmation(page, reference)

    main = await page.inner_text("main")
    codes = [m for m in await services.identity.sent() if m["to"] == email]
    assert [m["language"] for m in codes] == [language], "one code, in the chosen language"
    assert await requests_held(services) == before + 1, "one request, sent once"
    assert f"{TRACK_HEADING[language]} {reference}" in main
    assert RECEIVED[language] in main
    assert await page.get_attribute("html", "lang") == language
    await check_page(page, f"tracked-{language}")

    if language == "en":  # declined first: no money taken, and another try
        await pay_on_the_sandbox(page, DECLINED, "declined")
        assert page.url.endswith(f"/track/{reference}/paid")
        await page.wait_for_selector("h1:has-text('Your payment did not go through')")
        await check_page(page, "payment-declined")
    await pay_on_the_sandbox(page, SUCCEEDS, language)
    assert page.url.endswith(f"/track/{reference}"), "back at the request once paid"
    assert await page.is_visible(".govuk-notification-banner:has-text('£65.00')")
    await relay(services)  # cases hears of the payment: the request waits for its visit
    await page.reload()
    assert PAID[language] in await page.inner_text("main")
    assert await page.locator("form[action$='/pay']").count() == 0, "paid: nothing to pay"
    await check_page(page, f"paid-{language}")

    await book_a_visit(page, language)
    if language == "en":
        await relay(services)  # cases hears of the booking: scheduled
        await cancel_the_visit(page)
        await relay(services)  # cases hears of the cancellation: waiting for a visit again
        await page.reload()
        assert await page.locator("main a[href$='/book']").count() == 1, "book again"
        steps = await page.inner_text("main")
        assert "A refund was asked for" in steps, "payments' rule"
        assert "You cancelled it." in steps and "no_longer_needed" not in steps
    else:
        await change_the_visit(page)
    assert watched.refused == [], "the pages' scripts and styles all load under the CSP"


async def test_reporting_works_without_javascript(services: Platform, browser: Browser) -> None:
    context = await browser.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        page = await context.new_page()
        await page.goto(f"{services.web_url}/report")
        reference = await report_rats(page, services, "rita.nojs@example.org", None)
        assert reference.startswith("PC-")
        await relay(services)
        await track_later(page, services, "rita.nojs@example.org", reference)
        assert reference in await page.inner_text("main")
    finally:
        await context.close()


async def test_every_service_in_the_catalogue_has_a_form_a_resident_can_open(
    services: Platform,
) -> None:
    async with httpx.AsyncClient(base_url=services.web_url) as web:
        catalogue = await web.get("/report")
        codes = re.findall(r'href="/report/([a-z_]+)"', catalogue.text)
        forms = {code: await web.get(f"/report/{code}") for code in codes}
    assert len(codes) >= 7, catalogue.text
    assert {code: page.status_code for code, page in forms.items()} == dict.fromkeys(codes, 200)


async def test_in_welsh_the_catalogue_and_its_questions_are_in_welsh(services: Platform) -> None:
    async with httpx.AsyncClient(base_url=services.web_url, follow_redirects=True) as web:
        await web.get("/language", params={"to": "cy", "next": "/report"})
        catalogue = await web.get("/report")
        form = await web.get("/report/pest_control")
    assert "Rheoli plâu" in catalogue.text and "Pest control" not in catalogue.text
    assert "Pa bla?" in form.text and "Llygod mawr" in form.text
    assert 'value="rats"' in form.text, "the answer sent is the same in either language"
    assert "Which pest?" not in form.text


async def test_reporting_works_by_keyboard_alone(services: Platform, phone: BrowserContext) -> None:
    page = await phone.new_page()
    email = "rita.keys@example.org"
    await page.goto(f"{services.web_url}/report")

    async def tab_to(selector: str) -> None:
        for _ in range(40):
            await page.keyboard.press("Tab")
            if await page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    async def type_into(selector: str, text: str) -> None:
        await tab_to(selector)
        await page.keyboard.type(text)

    async def press_enter() -> None:
        async with page.expect_navigation():
            await page.keyboard.press("Enter")

    await tab_to("a[href='/report/pest_control']")
    await press_enter()
    await tab_to("input[name='field-pest'][value='rats']")
    await page.keyboard.press("Space")
    await type_into("#field-rooms_affected", "1")
    await press_enter()
    await type_into("#address", "2 Example Street")
    await type_into("#postcode", "EX1 2AA")
    await press_enter()
    await type_into("#given_name", "Rita")
    await type_into("#family_name", "Keys")
    await type_into("#email", email)
    await press_enter()
    await tab_to("main form .govuk-button")
    await press_enter()
    await type_into("#code", await code_sent_to(services, email))
    await press_enter()
    assert "/report/confirmation" in page.url
    assert (await page.inner_text(".govuk-panel strong")).startswith("PC-")


async def test_a_resident_uploads_evidence_for_a_parking_permit(
    services: Platform, phone: BrowserContext, tmp_path: Path
) -> None:
    """Applied for, the code proved: "Upload evidence" (a file that is not a photo or a
    PDF refused at the field, a real one listed), then the confirmation lists it; later,
    from the request's page, "Add evidence" takes another, listed there with the first."""
    watched = Watched(await phone.new_page())
    page = watched.page
    email = "pat.permit@example.org"
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"<html>not a photo</html>")
    lease = tmp_path / "lease.pdf"
    lease.write_bytes(b"%PDF-1.7\n%%EOF\n")
    kitchen = tmp_path / "kitchen.png"
    kitchen.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    await page.goto(f"{services.web_url}/report/parking_permit")
    await page.fill("#field-vehicle_registration", "AB12 CDE")
    await page.check("input[name='field-zone'][value='B']")
    await continue_(page)
    await continue_(page)  # where: optional for a permit
    await page.fill("#given_name", "Pat")
    await page.fill("#family_name", "Permit")
    await page.fill("#email", email)
    await continue_(page)
    await continue_(page)
    await page.fill("#code", await code_sent_to(services, email))
    await continue_(page)
    assert page.url.endswith("/report/evidence")

    await page.set_input_files("#file", str(fake))
    await continue_(page)
    await page.wait_for_selector(".govuk-error-summary a[href='#file']")
    await check_page(page, "evidence-errors")
    await page.set_input_files("#file", str(lease))
    await continue_(page)
    assert "lease.pdf" in await page.inner_text("main .govuk-summary-list")
    await check_page(page, "evidence-uploaded")
    async with page.expect_navigation():
        await page.click("main a.govuk-button[href='/report/confirmation']")
    assert "lease.pdf" in await page.inner_text("main")

    reference = (await page.inner_text(".govuk-panel strong")).strip()
    await relay(services)  # resident-view learns of the request
    await follow_from_the_confirmation(page, reference)
    async with page.expect_navigation():  # more evidence later, from the request's page
        await page.click(f"main a[href='/track/{reference}/evidence']")
    await check_page(page, "evidence-later")
    await page.set_input_files("#file", str(kitchen))
    await continue_(page)
    assert page.url.endswith(f"/track/{reference}")
    shown = await page.inner_text("main")
    assert "lease.pdf" in shown and "kitchen.png" in shown and "Added by you" in shown
    await check_page(page, "evidence-later-uploaded")
