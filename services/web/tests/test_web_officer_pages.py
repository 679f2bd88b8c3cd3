"""The officer workspace over HTTP against identity, resident-view and cases: sign-in
and sessions, finding a resident, their history as each officer may see it, the queue,
and forms that refuse bad input and change nothing."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import func, select

from services.web.tests.web_platform import Platform, Served, relay
from townhall.cases.adapters.orm import cases as case_rows
from townhall.cases.adapters.orm import contacts
from townhall.cases.entrypoints.api.dependencies import services_of as cases_of
from townhall.identity.domain.commands import AskAboutDuplicate
from townhall.identity.testing import ADMIN_EMAIL, bearer
from townhall.resident_view.adapters.orm import lookup_audit
from townhall.resident_view.entrypoints.api.dependencies import services_of
from townhall.resident_view.testing import Spec, envelope, write
from townhall.runtime.outbox import EventContext
from townhall.schemas.envelope import Sensitivity
from townhall.web import forms
from townhall.web.app import create as create_web
from townhall.web.officer.dependencies import composition
from townhall.web.sessions import COOKIE

pytestmark = pytest.mark.asyncio(loop_scope="session")


def csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found[1]


@asynccontextmanager
async def browser(services: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=services.web_url) as client:
        yield client


@asynccontextmanager
async def signed_in(services: Platform, email: str) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(services) as client:
        page = await client.get("/officer/sign-in")
        form = {"csrf_token": csrf(page), "email": email, "password": services.password}
        answer = await client.post("/officer/sign-in", data=form)
        assert answer.status_code == 303, answer.text
        yield client


async def search(web: httpx.AsyncClient, **form: str) -> httpx.Response:
    home = await web.get("/officer")
    return await web.post("/officer/search", data={"csrf_token": csrf(home), **form})


async def lookups(services: Platform) -> int:
    async with services_of(services.resident_view).runtime.sessions() as session:
        return int(
            (await session.execute(select(func.count()).select_from(lookup_audit))).scalar_one()
        )


async def test_the_contact_centre_finds_a_resident_and_sees_summaries_with_the_reason(
    services: Platform,
) -> None:
    async with signed_in(services, services.contact) as web:
        found = await search(web, form="quick", query="Ada Example", purpose="phone call")
        page = await web.get(f"/officer/residents/{services.ada}")
    assert found.status_code == 200, found.text
    assert f'href="/officer/residents/{services.ada}"' in found.text
    assert "name" in found.text and "Matched on" in found.text
    assert page.status_code == 200, page.text
    assert "Ada Example" in page.text and "ada.example@example.org" in page.text
    assert "You see a summary because this is from Waste." in page.text
    assert "Request MB-2026-000001" in page.text


async def test_a_service_officer_sees_their_own_area_in_detail_and_their_queue(
    services: Platform,
) -> None:
    async with signed_in(services, services.waste) as web:
        await search(
            web,
            form="advanced",
            name="Ada Example",
            **{"dob-day": "10", "dob-month": "12", "dob-year": "1985"},
            purpose="missed bin visit",
        )
        page = await web.get(f"/officer/residents/{services.ada}")
        queue = await web.get("/officer/queue")
    assert page.status_code == 200, page.text
    assert "You see a summary because" not in page.text, "waste is this officer's own area"
    assert "· Social care" not in page.text, "nothing of an area they may not see"
    assert "Your role does not show this resident" in page.text
    assert "Entries in this history your role may not see:" in page.text, "identity's, say"
    assert queue.status_code == 200 and services.case_reference in queue.text
    assert f'href="/officer/cases/{services.case_reference}"' in queue.text


async def test_a_service_officer_opens_a_case_from_their_queue(services: Platform) -> None:
    async with signed_in(services, services.waste) as web:
        case = await web.get(f"/officer/cases/{services.case_reference}")
        nonsense = await web.get("/officer/cases/not%20a%20reference")
        unknown = await web.get("/officer/cases/MB-2026-999999")
    assert case.status_code == 200, case.text
    assert "Missed bin collection" in case.text and "Bin not collected" in case.text
    assert "Can move to" in case.text and "Triaged" in case.text
    assert nonsense.status_code == 404 and "Page not found" in nonsense.text
    assert unknown.status_code == 404 and "Page not found" in unknown.text


async def test_a_cases_evidence_is_listed_on_its_page_and_downloaded_through_web(
    services: Platform,
) -> None:
    photo = b"\x89PNG\r\n\x1a\n" + b"overflowing bin" * 8
    async with signed_in(services, services.waste) as web:
        page = await web.get(f"/officer/cases/{services.case_reference}")
        assert "Evidence" in page.text
        login = await services.identity.login(services.waste)
        officer = bearer(login.json()["access_token"])
        async with httpx.AsyncClient(base_url=services.cases_url) as cases_api:
            added = await cases_api.post(
                f"/cases/{services.case_reference}/evidence",
                files={"file": ("bin <photo>.png", photo, "image/png")},
                headers=officer,
            )
        assert added.status_code == 201, added.text
        evidence_id = added.json()["id"]
        page = await web.get(f"/officer/cases/{services.case_reference}")
        download = await web.get(f"/officer/cases/{services.case_reference}/evidence/{evidence_id}")
        nonsense = await web.get(f"/officer/cases/{services.case_reference}/evidence/x")
    link = f"/officer/cases/{services.case_reference}/evidence/{evidence_id}"
    assert link in page.text and "bin _photo_.png" in page.text
    assert download.status_code == 200 and download.content == photo
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert nonsense.status_code == 404


async def test_a_resident_opened_without_a_purpose_asks_for_one_first(services: Platform) -> None:
    async with signed_in(services, services.waste) as web:
        asked = await web.get(f"/officer/residents/{services.ada}")
        refused = await web.post(
            f"/officer/residents/{services.ada}/purpose",
            data={"csrf_token": csrf(asked), "purpose": " "},
        )
        given = await web.post(
            f"/officer/residents/{services.ada}/purpose",
            data={"csrf_token": csrf(asked), "purpose": "complaint follow-up"},
        )
    assert "Why are you looking at this resident" in asked.text
    assert refused.status_code == 400 and "govuk-error-summary" in refused.text
    assert given.status_code == 303


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"form": "quick", "query": "Ada Example", "purpose": ""}, "purpose"),
        ({"form": "quick", "query": "", "purpose": "phone call"}, "query"),
        ({"form": "advanced", "purpose": "phone call"}, "name"),
        ({"form": "advanced", "email": "not-an-email", "purpose": "phone call"}, "email"),
        (
            {
                "form": "advanced",
                "dob-day": "31",
                "dob-month": "2",
                "dob-year": "1990",
                "purpose": "a call",
            },
            "dob-day",
        ),
    ],
)
async def test_a_search_with_a_mistake_shows_the_error_summary_and_looks_nothing_up(
    services: Platform, form: dict[str, str], field: str
) -> None:
    before = await lookups(services)
    async with signed_in(services, services.contact) as web:
        answer = await search(web, **form)
    assert answer.status_code == 400
    assert "govuk-error-summary" in answer.text and f'href="#{field}"' in answer.text
    assert "<title>Error:" in answer.text
    assert await lookups(services) == before, "nothing reached resident-view's audit"


async def test_bad_sign_in_input_is_refused_and_signs_nobody_in(services: Platform) -> None:
    async with browser(services) as web:
        page = await web.get("/officer/sign-in")
        empty = await web.post("/officer/sign-in", data={"csrf_token": csrf(page), "email": ""})
        wrong = await web.post(
            "/officer/sign-in",
            data={"csrf_token": csrf(page), "email": "web.nobody@example.org", "password": "x"},
        )
        still_out = await web.get("/officer")
    assert empty.status_code == 400 and 'href="#email"' in empty.text
    assert 'href="#password"' in empty.text
    assert wrong.status_code == 400 and "Enter a correct email address and password" in wrong.text
    assert still_out.status_code == 303 and still_out.headers["location"] == "/officer/sign-in"


async def test_a_form_without_the_sessions_csrf_token_is_refused(services: Platform) -> None:
    before = await lookups(services)
    async with signed_in(services, services.contact) as web:
        forged = await web.post(
            "/officer/search", data={"form": "quick", "query": "Ada", "purpose": "phone call"}
        )
        other = await web.post(
            "/officer/search",
            data={"csrf_token": "guess", "form": "quick", "query": "Ada", "purpose": "a call"},
        )
    assert forged.status_code == 403 and other.status_code == 403
    assert "This form has expired" in forged.text
    assert await lookups(services) == before


async def test_sign_out_ends_the_session_here_and_at_identity(services: Platform) -> None:
    async with signed_in(services, services.contact) as web:
        home = await web.get("/officer")
        out = await web.post("/officer/sign-out", data={"csrf_token": csrf(home)})
        after = await web.get("/officer", follow_redirects=True)
    assert out.status_code == 303
    assert "You have signed out." in after.text
    assert "Sign in to the officer workspace" in after.text


async def test_the_session_ends_when_identity_refuses_to_refresh_it(services: Platform) -> None:
    identity = services.identity
    officer = await identity.create_officer("web.revoked@example.org", ("waste", "personal"))
    async with signed_in(services, "web.revoked@example.org") as web:
        assert (await web.get("/officer")).status_code == 200
        admin = (await identity.login(ADMIN_EMAIL)).json()["access_token"]  # not a stale one
        revoked = await identity.http.post(
            f"/officers/{officer}/sessions/revoke", headers=bearer(admin)
        )
        assert revoked.status_code == 204, revoked.text
        store = composition.of(services.web).sessions
        session = await store.load(web.cookies.get(COOKIE))
        assert session is not None and session.tokens is not None
        session.tokens.expires_at = 0  # the access token has lapsed
        await store.save(session)
        answer = await web.get("/officer/queue")
        page = await web.get("/officer", follow_redirects=True)
    assert answer.status_code == 303 and answer.headers["location"] == "/officer/sign-in"
    assert "Your session has ended" in page.text


async def test_pages_carry_the_cookie_and_headers_a_browser_needs(services: Platform) -> None:
    async with browser(services) as web:
        page = await web.get("/officer/sign-in")
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-frame-options"] == "DENY"


async def test_an_officer_chooses_welsh_and_every_page_follows(services: Platform) -> None:
    async with signed_in(services, services.contact) as web:
        home = await web.get("/officer")
        chosen = await web.post(
            "/officer/language",
            data={"csrf_token": csrf(home), "language": "cy", "next": "/officer/queue"},
        )
        queue = await web.get("/officer/queue")
        mistake = await search(web, form="quick", query="", purpose="")
    assert chosen.headers["location"] == "/officer/queue"
    assert '<html lang="cy"' in queue.text and "Ciw gwaith" in queue.text
    assert "Mae problem wedi codi" in mistake.text
    assert "Rhowch enw, cyfeirnod, cod post, e-bost neu rif ffôn" in mistake.text


async def test_a_service_officer_works_a_case_and_a_mistake_changes_nothing(
    services: Platform,
) -> None:
    path = f"/officer/cases/{services.case_reference}"
    async with signed_in(services, services.waste) as web:
        page = await web.get(path)
        token = csrf(page)
        empty = await web.post(f"{path}/updates", data={"csrf_token": token, "update": " "})
        unchosen = await web.post(f"{path}/transitions", data={"csrf_token": token})
        unchanged = await web.get(path)
        moved = await web.post(
            f"{path}/transitions", data={"csrf_token": token, "to": "triaged", "reason": ""}
        )
        after_move = await web.get(path)
        again = await web.post(
            f"{path}/transitions", data={"csrf_token": token, "to": "triaged", "reason": ""}
        )
        updated = await web.post(
            f"{path}/updates", data={"csrf_token": token, "update": "Crew booked for Friday"}
        )
        noted = await web.post(
            f"{path}/notes", data={"csrf_token": token, "note": "Gate code is on file"}
        )
        final = await web.get(path)
    assert re.search(r'<textarea[^>]*id="update"[^>]*>\s*</textarea>', page.text), "blank"
    assert empty.status_code == 400 and 'href="#update"' in empty.text
    assert unchosen.status_code == 400 and 'href="#to"' in unchosen.text
    assert "Crew booked" not in unchanged.text and unchanged.text.count("govuk-tag--blue") == 1
    assert moved.status_code == 303
    assert "The case has moved on." in after_move.text
    assert again.status_code == 400, "triaged is not a move from triaged"
    assert "The case has changed since you opened it" in again.text
    assert updated.status_code == 303 and noted.status_code == 303
    assert "Crew booked for Friday" in final.text and "Gate code is on file" in final.text
    assert "Internal note" in final.text


async def test_the_contact_centre_cannot_work_a_service_case(services: Platform) -> None:
    path = f"/officer/cases/{services.case_reference}"
    async with signed_in(services, services.contact) as web:
        home = await web.get("/officer")
        refused = await web.post(
            f"{path}/notes", data={"csrf_token": csrf(home), "note": "not mine to write"}
        )
    assert refused.status_code in (400, 404), refused.text
    assert "not mine to write" not in (await _case_text(services))


async def _case_text(services: Platform) -> str:
    async with signed_in(services, services.waste) as web:
        return (await web.get(f"/officer/cases/{services.case_reference}")).text


async def logged_contacts(services: Platform) -> int:
    async with cases_of(services.cases).runtime.sessions() as session:
        query = select(func.count()).select_from(contacts)
        return int((await session.execute(query)).scalar_one())


async def test_the_contact_centre_logs_a_call_chasing_a_request(services: Platform) -> None:
    path = f"/officer/residents/{services.ada}/contact"
    before = await logged_contacts(services)
    async with signed_in(services, services.contact) as web:
        page = await web.get(path)
        token = csrf(page)
        chasing = {"channel": "phone", "reason": "progress_chase", "outcome": "resolved"}
        incomplete = await web.post(path, data={"csrf_token": token, **chasing, "minutes": "x"})
        assert await logged_contacts(services) == before
        logged = await web.post(
            path,
            data={"csrf_token": token, **chasing, "minutes": "4", "case": services.case_reference},
        )
        shown = await web.get(f"/officer/residents/{services.ada}")
    assert page.status_code == 200 and "Chasing something they are waiting for" in page.text
    assert incomplete.status_code == 400
    assert 'href="#case"' in incomplete.text and 'href="#minutes"' in incomplete.text
    assert logged.status_code == 303, logged.text
    assert "The contact has been logged." in shown.text
    assert await logged_contacts(services) == before + 1


async def cases_raised(services: Platform) -> int:
    async with cases_of(services.cases).runtime.sessions() as session:
        query = select(func.count()).select_from(case_rows)
        return int((await session.execute(query)).scalar_one())


async def test_the_contact_centre_raises_a_request_from_the_catalogues_form(
    services: Platform,
) -> None:
    path = f"/officer/residents/{services.ada}/request"
    before = await cases_raised(services)
    async with signed_in(services, services.contact) as web:
        choose = await web.get(path)
        form = await web.get(path, params={"service": "missed_bin"})
        token = csrf(form)
        empty = await web.post(path, data={"csrf_token": token, "service": "missed_bin"})
        assert await cases_raised(services) == before
        raised = await web.post(
            path,
            data={
                "csrf_token": token,
                "service": "missed_bin",
                "channel": "phone",
                "field-bin_type": "recycling",
                "description": "Recycling missed two weeks running",
                "address": "2 Example Street, EX1 1AA",
            },
        )
        shown = await web.get(f"/officer/residents/{services.ada}", follow_redirects=True)
    assert "Missed bin collection" in choose.text and "Pest control" in choose.text
    assert "Which bin?" in form.text and 'value="recycling"' in form.text
    assert empty.status_code == 400
    for field in ("channel", "field-bin_type", "address"):
        assert f'href="#{field}"' in empty.text
    assert raised.status_code == 303, raised.text
    assert re.search(r"Request MB-\d{4}-\d+ has been raised\.", shown.text)
    assert await cases_raised(services) == before + 1


async def test_the_history_filters_by_service_area_and_dates(services: Platform) -> None:
    path = f"/officer/residents/{services.ada}"
    async with signed_in(services, services.contact) as web:
        await search(web, form="quick", query="Ada Example", purpose="checking history")
        everything = await web.get(path)
        waste_in_november = await web.get(
            path, params={"domain": "waste", "from": "2026-11-01", "to": "2026-11-01"}
        )
        # the rest of November: before the request the platform raised today, whose
        # entry reaches the history whenever the projection reads it
        later = await web.get(path, params={"from": "2026-11-02", "to": "2026-11-30"})
        nonsense = await web.get(path, params={"from": "2026-02-30"})
        backwards = await web.get(path, params={"from": "2026-11-02", "to": "2026-11-01"})
    assert "from Social care" in everything.text and "from Waste" in everything.text
    assert "from Waste" in waste_in_november.text
    assert "from Social care" not in waste_in_november.text
    assert "from Waste" not in later.text and "from Social care" not in later.text
    assert nonsense.status_code == 400 and 'href="#from"' in nonsense.text
    assert backwards.status_code == 400 and 'href="#to"' in backwards.text


async def test_the_history_filters_by_how_the_resident_got_in_touch(services: Platform) -> None:
    visit = envelope(services.ada, Spec("waste", Sensitivity.PERSONAL), 7)
    visit = visit.model_copy(update={"data": {**visit.data, "channel": "face_to_face"}})
    view = services_of(services.resident_view)
    async with view.runtime.sessions.begin() as session:
        await write(session, [visit], view.live.generation.number)
    path = f"/officer/residents/{services.ada}"
    async with signed_in(services, services.contact) as web:
        await search(web, form="quick", query="Ada Example", purpose="checking channels")
        face_to_face = await web.get(path, params={"channel": "face_to_face"})
        by_letter = await web.get(path, params={"channel": "letter"})
        nonsense = await web.get(path, params={"channel": "pigeon"})
    assert face_to_face.status_code == 200, face_to_face.text
    assert face_to_face.text.count("townhall-timeline__entry ") == 1
    assert "· Face to face" in face_to_face.text and "from Social care" not in face_to_face.text
    assert (
        by_letter.status_code == 200 and "Nothing you may see has happened yet." in by_letter.text
    )
    assert nonsense.status_code == 400 and 'href="#channel"' in nonsense.text


async def test_an_officer_decides_a_match_the_engine_was_unsure_of(services: Platform) -> None:
    record = {
        "system": "council_tax",
        "reference": "CT-00000042",
        "given_name": "A",
        "family_name": "Example",
        "date_of_birth": "1985-12-10",
    }
    login = await services.identity.login(services.contact)
    headers = bearer(login.json()["access_token"])
    matched = await services.identity.http.post("/records/match", json=record, headers=headers)
    assert matched.json()["outcome"] == "review", matched.text
    review_id = matched.json()["review_id"]
    async with signed_in(services, services.contact) as web:
        queue = await web.get("/officer/review")
        item = await web.get(f"/officer/review/{review_id}")
        undecided = await web.post(f"/officer/review/{review_id}", data={"csrf_token": csrf(item)})
        decided = await web.post(
            f"/officer/review/{review_id}", data={"csrf_token": csrf(item), "decision": "same"}
        )
        after = await web.get("/officer/review")
        gone = await web.get(f"/officer/review/{review_id}")
    assert f'href="/officer/review/{review_id}"' in queue.text
    assert "The two records, field by field" in item.text and "Agrees" in item.text
    assert undecided.status_code == 400 and 'href="#decision"' in undecided.text
    assert decided.status_code == 303
    assert "Decided: the same person." in after.text
    assert gone.status_code == 404


async def test_an_officer_decides_two_residents_the_duplicate_pass_was_unsure_of(
    services: Platform,
) -> None:
    other = await services.identity.register(given_name="A", family_name="Example")
    ask = AskAboutDuplicate(uuid.UUID(services.ada), uuid.UUID(other), 0.7,
                            {"system": "identity", "reference": other, "given_name": "A",
                             "family_name": "Example"},
                            ({"field": "family_name", "incoming": "example",
                              "existing": "example", "agreement": "agree"},))  # fmt: skip
    review_id = str(await services.identity.services.bus.handle(ask, EventContext("test")))
    async with signed_in(services, services.contact) as web:
        queue = await web.get("/officer/review")
        item = await web.get(f"/officer/review/{review_id}")
        decided = await web.post(
            f"/officer/review/{review_id}", data={"csrf_token": csrf(item), "decision": "different"}
        )
        after = await web.get("/officer/review")
    assert "Two residents who may be one person" in queue.text
    assert "Review two residents" in item.text and "The other resident" in item.text
    assert "keep the two residents apart" in item.text
    assert decided.status_code == 303
    assert "Decided: different people. The two residents stay apart." in after.text
    assert f'href="/officer/review/{review_id}"' not in after.text


async def test_administrators_read_the_audits_and_officers_may_not(services: Platform) -> None:
    async with signed_in(services, services.contact) as web:
        await search(web, form="quick", query="Ada Example", purpose="audited phone call")
        refused = await web.get("/officer/audit")
    async with signed_in(services, "test.admin@example.org") as web:
        audits = await web.get("/officer/audit")
        searches = await web.get("/officer/audit?show=searches")
    assert refused.status_code == 403 and "You cannot see this" in refused.text
    assert audits.status_code == 200, audits.text
    assert 'href="/officer/audit"' in audits.text and 'href="/officer/audit"' not in refused.text
    assert "history, and why" in audits.text
    assert "audited phone call" in searches.text
    assert "Searches and tracking look-ups" in searches.text


async def test_the_queue_counts_cases_by_status_and_filters_by_one(services: Platform) -> None:
    statuses = ("submitted", "triaged", "in_progress", "resolved", "closed", "cancelled")
    async with signed_in(services, services.waste) as web:
        queue = await web.get("/officer/queue")
        filtered = {s: await web.get(f"/officer/queue?status={s}") for s in statuses}
        nonsense = await web.get("/officer/queue?status=lost")
    assert queue.status_code == 200, queue.text
    assert "Cases you may work:" in queue.text
    showing = [s for s, page in filtered.items() if services.case_reference in page.text]
    assert len(showing) == 1, "the case shows under its own status only"
    assert f'href="/officer/queue?status={showing[0]}"' in queue.text, "its status is counted"
    assert nonsense.status_code == 400 and "govuk-error-summary" in nonsense.text
    assert 'href="#status"' in nonsense.text and services.case_reference not in nonsense.text


async def test_the_queue_narrows_to_whose_cases_and_when_due_and_refuses_others(
    services: Platform,
) -> None:
    async with signed_in(services, services.waste) as web:
        far_off = await web.get("/officer/queue?sla=breached&assignee=me")
        due = await web.get("/officer/queue?sla=due")
        bad = await web.get("/officer/queue?assignee=someone&sla=late")
    assert far_off.status_code == 200 and services.case_reference not in far_off.text
    assert "Cases you may work: 0" in far_off.text, "nothing of mine is past due"
    assert due.status_code == 200 and 'value="due" selected' in due.text
    assert bad.status_code == 400 and 'href="#assignee"' in bad.text and 'href="#sla"' in bad.text


async def test_administrators_narrow_the_audits_and_page_through_them(services: Platform) -> None:
    async with signed_in(services, services.contact) as web:
        for n in range(3):
            await search(web, form="quick", query="Ada Example", purpose=f"narrowed call {n}")
        await web.get(f"/officer/residents/{services.ada}")
    async with signed_in(services, services.lead) as web:
        await search(web, form="quick", query="Ada Example", purpose="admin look")
        resident = await web.get(f"/officer/residents/{services.ada}")
        reads = await web.get(f"/officer/audit?resident={services.ada}&purpose=NARROWED")
        searches = await web.get("/officer/audit?show=searches&purpose=narrowed+call")
        today = await web.get("/officer/audit?show=searches&from=2000-01-01&to=2999-12-31")
        future = await web.get("/officer/audit?show=searches&from=2999-01-01")
        bad = await web.get("/officer/audit?from=31/02/2026&resident=someone&to=2026-01-01")
    log_link = f'href="/officer/audit?resident={services.ada}"'
    assert log_link in resident.text, (
        "an administrator opens a resident's access log from their page"
    )
    assert reads.status_code == 200 and "narrowed call 2" in reads.text, reads.text
    assert "admin look" not in reads.text
    assert len(re.findall(r"narrowed call \d", searches.text)) == 3
    assert "narrowed call 0" in today.text
    assert "Nothing in the audit matches." in future.text
    assert bad.status_code == 400 and "govuk-error-summary" in bad.text
    assert 'href="#from"' in bad.text and 'href="#resident"' in bad.text


async def test_the_audit_pages_through_25_entries_at_a_time(services: Platform) -> None:
    async with signed_in(services, services.contact) as web:
        for n in range(26):
            await search(web, form="quick", query="Ada Example", purpose=f"paged call {n}")
    async with signed_in(services, "test.admin@example.org") as web:
        first = await web.get("/officer/audit?show=searches&purpose=paged+call")
        second = await web.get("/officer/audit?show=searches&purpose=paged+call&page=2")
        wrong = await web.get("/officer/audit?show=searches&page=0")
    assert len(re.findall(r"paged call \d+", first.text)) == 25 and "paged call 25" in first.text
    assert "page=2" in first.text and "Next page" in first.text
    assert re.findall(r"paged call \d+", second.text) == ["paged call 0"]
    assert "Previous page" in second.text and "Next page" not in second.text
    assert wrong.status_code == 400 and 'href="#page"' in wrong.text


async def test_an_officer_separates_a_merged_record_from_the_residents_page(
    services: Platform,
) -> None:
    duplicate = await services.identity.register(given_name="Bea", family_name="Duplicate")
    lead = bearer((await services.identity.login(services.lead)).json()["access_token"])
    merge = {"merged_id": duplicate}
    url = f"/residents/{services.ada}"
    merged = await services.identity.http.post(f"{url}/merge", json=merge, headers=lead)
    assert merged.status_code == 204, merged.text
    confirm_at = f"/officer/residents/{services.ada}/merged/{duplicate}"
    async with signed_in(services, services.lead) as web:
        await search(web, form="quick", query="Ada Example", purpose="merge check")
        page = await web.get(f"/officer/residents/{services.ada}")
        confirm = await web.get(confirm_at)
        undecided = await web.post(confirm_at, data={"csrf_token": csrf(confirm)})
        kept = await web.post(confirm_at, data={"csrf_token": csrf(confirm), "separate": "no"})
        still = (await services.identity.http.get(url, headers=lead)).json()["merged"]
        forged = await web.post(confirm_at, data={"separate": "yes"})
        separated = await web.post(
            confirm_at, data={"csrf_token": csrf(confirm), "separate": "yes"}
        )
        after = await web.get(f"/officer/residents/{services.ada}")
        gone = await web.get(confirm_at)
        nonsense = await web.get(f"/officer/residents/{services.ada}/merged/not-an-id")
    assert "Records merged into this one" in page.text and f'href="{confirm_at}"' in page.text
    assert confirm.status_code == 200 and "Bea Duplicate" in confirm.text
    assert undecided.status_code == 400 and 'href="#separate"' in undecided.text
    assert kept.status_code == 303 and [m["id"] for m in still] == [duplicate]
    assert forged.status_code == 403
    assert separated.status_code == 303, separated.text
    assert "The records are separate again: Bea Duplicate" in after.text
    assert (await services.identity.http.get(url, headers=lead)).json()["merged"] == []
    event = (await services.identity.events())[-1]
    assert event["type"] == "townhall.identity.resident.unmerged.v1"
    assert event["data"]["unmerged_id"] == duplicate
    assert gone.status_code == 404 and nonsense.status_code == 404


async def test_a_second_web_replica_serves_the_session_signed_in_on_the_first(
    services: Platform,
) -> None:
    settings = composition.of(services.web).settings
    replica = create_web(settings)
    async with (
        replica.router.lifespan_context(replica),
        Served(replica).running() as served,
        signed_in(services, services.contact) as first,
    ):
        await search(first, form="quick", query="Ada Example", purpose="replica check")
        cookie = {COOKIE: first.cookies.get(COOKIE) or ""}
        async with httpx.AsyncClient(base_url=served.url, cookies=cookie) as second:
            page = await second.get(f"/officer/residents/{services.ada}")
            home = await second.get("/officer")
            signed_out = await second.post("/officer/sign-out", data={"csrf_token": csrf(home)})
        after = await first.get("/officer")
    assert page.status_code == 200 and "Why you are looking: replica check" in page.text
    assert signed_out.status_code == 303
    assert after.status_code == 303, "signing out on one replica ends the session on every one"


async def test_the_record_shows_former_names_assurance_and_consent_apart(
    services: Platform,
) -> None:
    dewi = await services.identity.register(given_name="Dewi", family_name="Former")
    lead = bearer((await services.identity.login(services.lead)).json()["access_token"])
    name = {"given_name": "Dewi", "family_name": "Newname", "since": "2025-01-01"}
    renamed = await services.identity.http.put(f"/residents/{dewi}/name", json=name, headers=lead)
    assert renamed.status_code == 204, renamed.text
    async with signed_in(services, services.contact) as web:
        asked = await web.get(f"/officer/residents/{dewi}")
        await web.post(
            f"/officer/residents/{dewi}/purpose",
            data={"csrf_token": csrf(asked), "purpose": "checking the record"},
        )
        page = await web.get(f"/officer/residents/{dewi}")
    assert page.status_code == 200, page.text
    assert "Dewi Newname" in page.text and "Former names" in page.text
    assert "Dewi Former (→ 2025-01-01)" in page.text
    assert "Level of assurance" in page.text and "0: nothing verified yet" in page.text
    assert "Shares their history with" in page.text and "No other service" in page.text


async def test_a_case_page_shows_its_fee_as_payments_knows_it(services: Platform) -> None:
    pest = "web.pest@example.org"
    await services.identity.create_officer(pest, ("pest_control", "personal"))
    token = bearer((await services.identity.login(pest)).json()["access_token"])
    report = {
        "service_code": "pest_control",
        "details": {"pest": "rats", "rooms_affected": 2},
        "description": "Rats under the stairs",
        "location": {"address": "1 Example Street", "uprn": "100000000001"},
        "channel": "phone",
        "resident_id": services.ada,
    }
    async with httpx.AsyncClient(base_url=services.cases_url) as cases:
        raised = await cases.post("/cases", json=report, headers=token)
    assert raised.status_code == 201, raised.text
    reference = raised.json()["reference"]
    await relay(services)  # payments learns the case and its fee, as its consumer would
    async with signed_in(services, pest) as web:
        unpaid = await web.get(f"/officer/cases/{reference}")
        payments = httpx.ASGITransport(app=services.payments)
        async with httpx.AsyncClient(transport=payments, base_url="http://payments") as client:
            started = await client.post(
                f"/cases/{reference}/payments",
                json={"return_url": f"{services.web_url}/track/{reference}/paid", "language": "en"},
                headers={**token, "Idempotency-Key": "officer-page-test"},
            )
        assert started.status_code == 201, started.text
        pending = await web.get(f"/officer/cases/{reference}")
    assert unpaid.status_code == 200 and ">Fee<" not in unpaid.text.replace(" ", "")
    assert pending.status_code == 200 and "Not paid yet" in pending.text
    assert re.search(r"£\d+\.\d\d · Not paid yet", pending.text)


@pytest.mark.parametrize("outcome", ["", "visited", "completed; drop"])
def test_a_visit_is_recorded_only_with_one_of_bookings_outcomes(outcome: str) -> None:
    checked = forms.visit_outcome({"outcome": outcome})

    assert not checked.ok
    assert checked.message_for("outcome") == "Select how the visit went"


def test_each_of_bookings_outcomes_records_a_visit() -> None:
    assert all(forms.visit_outcome({"outcome": o}).ok for o in forms.VISIT_OUTCOMES)
