"""Rate limits: the N+1th hit is a 429 problem with Retry-After, counted in Prometheus."""

import uuid

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from prometheus_client import REGISTRY

from townhall.runtime.auth import CurrentPrincipal, Principal
from townhall.runtime.problems import TooManyRequests
from townhall.runtime.throttling import RateLimit, rate_limited
from townhall.runtime.web import create_app


def refusals(rule: str) -> float:
    return REGISTRY.get_sample_value("townhall_throttled_total", {"rule": rule}) or 0.0


def a_rule() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"  # the counter is per process: one rule a test


def test_the_hit_after_the_limit_is_refused_with_retry_after_and_counted() -> None:
    rule = a_rule()
    limit = RateLimit(rule, "3/minute")
    for _ in range(3):
        limit.hit("officer-1")

    with pytest.raises(TooManyRequests) as refused:
        limit.hit("officer-1")

    assert refused.value.status == 429
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 60
    assert refusals(rule) == 1
    limit.hit("officer-2")  # each key has its own allowance


class Verifier:
    async def verify(self, token: str) -> Principal:
        return Principal(subject=token, kind="officer")


def per_officer(request: Request, officer: Principal | None) -> str:
    assert officer is not None
    return officer.subject


def build_app(limit: RateLimit) -> FastAPI:
    app = create_app(service="throttled")
    app.state.verifier = Verifier()
    lookups_per_officer = Depends(rate_limited(limit, per_officer))

    @app.get("/residents/search", dependencies=[lookups_per_officer])
    async def search(officer: CurrentPrincipal) -> dict[str, str]:
        return {"searched_by": officer.subject}

    return app


async def test_lookups_per_officer_are_limited_through_the_dependency() -> None:
    rule = a_rule()
    app = build_app(RateLimit(rule, "2/minute"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        alice = {"Authorization": "Bearer alice"}
        allowed = [await http.get("/residents/search", headers=alice) for _ in range(2)]
        refused = await http.get("/residents/search", headers=alice)
        bob = await http.get("/residents/search", headers={"Authorization": "Bearer bob"})
        anonymous = await http.get("/residents/search")

    assert [r.status_code for r in allowed] == [200, 200]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["title"] == "Too Many Requests"
    assert bob.status_code == 200
    assert anonymous.status_code == 401  # no token: refused before it is counted
    assert refusals(rule) == 1


async def test_an_open_route_is_limited_per_client_address() -> None:
    rule = a_rule()
    app = create_app(service="throttled")

    per_address = Depends(rate_limited(RateLimit(rule, "1/hour"), principal=None))

    @app.post("/tracking-codes", dependencies=[per_address])
    async def request_code() -> None:
        return None

    async def post_from(peer: str) -> int:
        transport = httpx.ASGITransport(app=app, client=(peer, 50123))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return (await http.post("/tracking-codes")).status_code

    assert [await post_from("198.51.100.1") for _ in range(2)] == [200, 429]
    assert await post_from("198.51.100.2") == 200
