"""JSON logs with the correlation id, and the correlation-id middleware."""

import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import structlog
from fastapi import FastAPI

from townhall.runtime.logging import (
    bind_correlation_id,
    configure_logging,
    get_correlation_id,
    reset_correlation_id,
    set_correlation_id,
)
from townhall.runtime.web import create_app


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.mark.usefixtures("restore_logging")
def test_structlog_lines_are_json_with_service_and_correlation_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("cases", level="DEBUG")

    with bind_correlation_id("req-1"):
        structlog.get_logger("cases.test").info("case_closed", case_id="C-1")

    [line] = json_lines(capsys.readouterr().err)
    assert line["event"] == "case_closed"
    assert line["level"] == "info"
    assert line["service"] == "cases"
    assert line["correlation_id"] == "req-1"
    assert line["case_id"] == "C-1"
    assert line["timestamp"].endswith("Z")


@pytest.mark.usefixtures("restore_logging")
def test_stdlib_loggers_share_the_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("cases")

    with bind_correlation_id("req-2"):
        logging.getLogger("uvicorn.error").warning("port %s busy", 8002, extra={"port": 8002})
        logging.getLogger("aiokafka").debug("below the level, dropped")

    [line] = json_lines(capsys.readouterr().err)
    assert line["event"] == "port 8002 busy"
    assert line["logger"] == "uvicorn.error"
    assert (line["level"], line["service"], line["correlation_id"]) == ("warning", "cases", "req-2")
    assert line["port"] == 8002


@pytest.mark.usefixtures("restore_logging")
def test_exceptions_are_rendered_into_the_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("cases")

    try:
        raise ValueError("bad thing")
    except ValueError:
        logging.getLogger("sqlalchemy").exception("query_failed")

    [line] = json_lines(capsys.readouterr().err)
    assert "ValueError: bad thing" in line["exception"]


@pytest.mark.usefixtures("restore_logging")
def test_configuring_twice_does_not_duplicate_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("cases")
    configure_logging("cases")

    structlog.get_logger().info("once")

    assert len(json_lines(capsys.readouterr().err)) == 1


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("cases", level="CHATTY")


def test_binding_is_scoped_to_the_block() -> None:
    assert get_correlation_id() is None
    with bind_correlation_id("outer"):
        with bind_correlation_id() as generated:
            assert get_correlation_id() == generated != "outer"
        assert get_correlation_id() == "outer"
    assert get_correlation_id() is None


def test_the_token_api_restores_the_previous_id() -> None:
    token = set_correlation_id("abc")
    assert get_correlation_id() == "abc"

    reset_correlation_id(token)

    assert get_correlation_id() is None


def build_app() -> FastAPI:
    app = create_app(service="logging-test")

    @app.get("/whoami")
    async def whoami() -> dict[str, str | None]:
        return {"correlation_id": get_correlation_id()}

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def test_a_valid_incoming_id_is_bound_and_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/whoami", headers={"X-Correlation-ID": "web.abc-123_x"})

    assert response.headers["x-correlation-id"] == "web.abc-123_x"
    assert response.json() == {"correlation_id": "web.abc-123_x"}


async def test_a_missing_id_is_generated(client: httpx.AsyncClient) -> None:
    response = await client.get("/whoami")

    generated = response.headers["x-correlation-id"]
    assert uuid.UUID(generated).version == 4
    assert response.json() == {"correlation_id": generated}


@pytest.mark.parametrize("bad", ["a" * 129, "has space", "semi;colon", "<script>", ""])
async def test_an_invalid_id_is_replaced(client: httpx.AsyncClient, bad: str) -> None:
    response = await client.get("/whoami", headers={"X-Correlation-ID": bad})

    replaced = response.headers["x-correlation-id"]
    assert replaced != bad
    assert uuid.UUID(replaced).version == 4


async def test_an_id_of_128_characters_is_kept(client: httpx.AsyncClient) -> None:
    longest = "a" * 128

    response = await client.get("/whoami", headers={"X-Correlation-ID": longest})

    assert response.headers["x-correlation-id"] == longest


async def test_error_responses_carry_the_id_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/missing", headers={"X-Correlation-ID": "req-404"})

    assert response.status_code == 404
    assert response.headers["x-correlation-id"] == "req-404"


@pytest.mark.usefixtures("restore_logging")
async def test_no_log_line_keeps_the_personal_values_of_a_query_string(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("resident-view")
    app = create_app(service="resident-view")
    identity = httpx.MockTransport(lambda request: httpx.Response(200, json=[]))

    @app.get("/something")
    async def something(email: str, name: str) -> list[str]:
        async with httpx.AsyncClient(transport=identity) as client:
            found = await client.get(
                "http://identity.internal/residents", params={"email": email, "name": name}
            )
        results: list[str] = found.json()
        return results

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get(
            "/something?email=someone@example.org&name=Smith",
            headers={"X-Correlation-ID": "req-search"},
        )

    assert response.status_code == 200
    logged = capsys.readouterr()
    lines = json_lines(logged.err)
    [access] = [line for line in lines if line["event"] == "http_request"]
    assert access["method"] == "GET"
    assert (access["path"], access["route"], access["status"]) == ("/something", "/something", 200)
    assert access["correlation_id"] == "req-search"
    assert access["duration_ms"] >= 0
    sent = [line["event"] for line in lines if line["logger"] == "httpx"]
    assert any("GET http://identity.internal/residents " in event for event in sent)
    assert any("GET http://test/something " in event for event in sent)
    for value in ("someone@example.org", "someone%40example.org", "Smith"):
        assert value not in logged.err + logged.out
