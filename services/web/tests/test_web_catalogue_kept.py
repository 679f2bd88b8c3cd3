"""The public catalogue is asked of cases once a minute per language, not on every page:
each tracking page names the service types of its steps."""

from __future__ import annotations

import httpx

from townhall.web.upstream import CATALOGUE_KEPT_S, Cases, ServiceClient


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cases_counting(asked: list[httpx.Request], clock: Clock) -> Cases:
    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        language = request.url.params["language"]
        name = "Rheoli plâu" if language == "cy" else "Pest control"
        return httpx.Response(200, json=[{"code": "pest_control", "name": name}])

    client = ServiceClient(
        "cases", "http://cases.test", timeout_s=5, transport=httpx.MockTransport(answer)
    )
    return Cases(client, clock=clock)


async def test_the_public_catalogue_is_asked_once_a_minute_per_language() -> None:
    asked: list[httpx.Request] = []
    clock = Clock()
    cases = cases_counting(asked, clock)

    first = await cases.service_types(None, "cy")
    first[0]["name"] = "changed by a page"  # a caller's copy is its own
    again = await cases.service_types(None, "cy")
    english = await cases.service_types(None, "en")
    assert again == [{"code": "pest_control", "name": "Rheoli plâu"}]
    assert english[0]["name"] == "Pest control"
    assert len(asked) == 2, "once per language"

    clock.now += CATALOGUE_KEPT_S
    await cases.service_types(None, "cy")
    assert len(asked) == 3, "asked again once a minute has passed"


async def test_an_officers_catalogue_is_always_asked_with_their_token() -> None:
    asked: list[httpx.Request] = []
    cases = cases_counting(asked, Clock())
    await cases.service_types("an officer's token", "en")
    await cases.service_types("an officer's token", "en")
    assert len(asked) == 2
    assert all(r.headers["authorization"] == "Bearer an officer's token" for r in asked)
