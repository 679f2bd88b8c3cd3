"""Every error of a Townhall API is an RFC 9457 problem."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from townhall.runtime.problems import (
    Conflict,
    ContentTooLarge,
    NotFound,
    ProblemError,
    TooManyRequests,
    Unauthorized,
)
from townhall.runtime.web import create_app

PROBLEM_JSON = "application/problem+json"


class SlotTaken(Conflict):
    type_ = "https://townhall.test/problems/slot-taken"
    default_title = "Slot already taken"


class Booking(BaseModel):
    resident_id: str
    visitors: int


def build_app() -> FastAPI:
    app = create_app(service="problems-test")

    @app.post("/bookings")
    async def book(booking: Booking) -> Booking:
        return booking

    @app.get("/bookings/{ref}")
    async def show(ref: str) -> None:
        if ref == "taken":
            raise SlotTaken("slot 10:00 is taken", extensions={"slot": "10:00"})
        if ref == "teapot":
            raise ProblemError(418, "I'm a teapot", "short and stout")
        if ref == "secret":
            raise Unauthorized("sign in first")
        raise NotFound(f"no booking {ref}")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("database password is hunter2")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def test_malformed_json_is_a_400_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/bookings", content=b'{"resident_id": ', headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank",
        "title": "Malformed JSON",
        "status": 400,
        "detail": "The request body is not valid JSON.",
        "instance": "/bookings",
    }


async def test_wrong_field_types_list_each_field_error(client: httpx.AsyncClient) -> None:
    response = await client.post("/bookings", json={"resident_id": "r-1", "visitors": "many"})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["title"] == "Unprocessable Content"
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [
        (["body", "visitors"], "int_parsing")
    ]
    assert body["errors"][0]["msg"]


async def test_missing_fields_are_each_reported(client: httpx.AsyncClient) -> None:
    response = await client.post("/bookings", json={})

    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["errors"]}
    assert locs == {("body", "resident_id"), ("body", "visitors")}


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "instance": "/nowhere",
    }


async def test_a_wrong_method_is_a_405_problem_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.delete("/bookings")

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["title"] == "Method Not Allowed"


async def test_a_service_problem_keeps_its_type_and_extensions(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/bookings/taken")

    assert response.status_code == 409
    assert response.json() == {
        "type": "https://townhall.test/problems/slot-taken",
        "title": "Slot already taken",
        "status": 409,
        "detail": "slot 10:00 is taken",
        "instance": "/bookings/taken",
        "slot": "10:00",
    }


async def test_not_found_raised_by_a_route(client: httpx.AsyncClient) -> None:
    response = await client.get("/bookings/B-1")

    assert response.status_code == 404
    assert response.json()["detail"] == "no booking B-1"


async def test_a_plain_problem_error_with_any_status(client: httpx.AsyncClient) -> None:
    response = await client.get("/bookings/teapot")

    assert (response.status_code, response.json()["title"]) == (418, "I'm a teapot")


async def test_unauthorized_carries_a_bearer_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/bookings/secret")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_an_unexpected_error_is_a_500_that_leaks_nothing(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["title"] == "Internal Server Error"
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert response.headers["x-correlation-id"]


@pytest.mark.parametrize(("seconds", "header"), [(0.2, "1"), (59.1, "60"), (120, "120")])
def test_too_many_requests_says_when_to_retry_in_whole_seconds(seconds: float, header: str) -> None:
    refused = TooManyRequests("slow down", retry_after=seconds)

    assert (refused.status, refused.title) == (429, "Too Many Requests")
    assert refused.headers["Retry-After"] == header


def test_too_many_requests_without_a_time_sends_no_retry_after() -> None:
    assert "Retry-After" not in TooManyRequests().headers


def test_content_too_large_is_a_413() -> None:
    assert (ContentTooLarge().status, ContentTooLarge().title) == (413, "Content Too Large")
