"""Who is calling. /metrics is decided by the TCP peer alone; client_address is the peer,
or the client a trusted proxy forwarded, never a header a client wrote for itself."""

import httpx
import pytest
from fastapi import FastAPI, Request

from townhall.runtime.settings import ServiceSettings
from townhall.runtime.web import client_address, create_app

PROXIES = ["10.0.0.0/8", "fd00::/8"]


def build_app(trusted_proxies: list[str]) -> FastAPI:
    settings = ServiceSettings(trusted_proxies=trusted_proxies)
    app = create_app(service="addresses", settings=settings)

    @app.get("/whereami")
    async def whereami(request: Request) -> str:
        return client_address(request)

    return app


def client_for(app: FastAPI, peer: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 50123))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def address_seen(
    *, peer: str, forwarded: list[str] | None = None, trusted: list[str] = PROXIES
) -> str:
    headers = [("X-Forwarded-For", value) for value in forwarded or []]
    async with client_for(build_app(trusted), peer) as http:
        response = await http.get("/whereami", headers=headers)
    answer: str = response.json()
    return answer


async def test_without_trusted_proxies_it_is_the_peer_whatever_the_header_says() -> None:
    seen = await address_seen(peer="203.0.113.9", forwarded=["198.51.100.1"], trusted=[])
    assert seen == "203.0.113.9"


async def test_a_header_from_an_untrusted_peer_is_ignored() -> None:
    assert await address_seen(peer="203.0.113.9", forwarded=["10.0.0.1"]) == "203.0.113.9"


async def test_behind_a_trusted_proxy_it_is_the_forwarded_client() -> None:
    assert await address_seen(peer="10.0.0.2", forwarded=["198.51.100.1"]) == "198.51.100.1"


async def test_a_client_cannot_choose_its_address_by_sending_the_header_itself() -> None:
    # the client wrote "127.0.0.1"; the proxy appended the address it really came from
    seen = await address_seen(peer="10.0.0.2", forwarded=["127.0.0.1, 198.51.100.1"])
    assert seen == "198.51.100.1"


async def test_a_chain_of_trusted_proxies_is_walked_from_the_right() -> None:
    seen = await address_seen(peer="10.0.0.2", forwarded=["198.51.100.1, 10.3.3.3", "fd00::7"])
    assert seen == "198.51.100.1"


@pytest.mark.parametrize(
    ("hop", "expected"),
    [("198.51.100.1:51234", "198.51.100.1"), ("[2001:db8::5]:443", "2001:db8::5")],
)
async def test_ports_that_proxies_add_are_left_out(hop: str, expected: str) -> None:
    assert await address_seen(peer="10.0.0.2", forwarded=[hop]) == expected


async def test_garbage_stops_the_walk_at_the_last_trusted_proxy() -> None:
    seen = await address_seen(peer="10.0.0.2", forwarded=["198.51.100.1, unknown, 10.9.9.9"])
    assert seen == "10.9.9.9"


async def test_a_trusted_proxy_without_the_header_is_the_client() -> None:
    assert await address_seen(peer="10.0.0.2") == "10.0.0.2"


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
async def test_metrics_are_served_to_loopback_by_default(peer: str) -> None:
    async with client_for(build_app(PROXIES), peer) as http:
        response = await http.get("/metrics")

    assert response.status_code == 200
    assert "townhall_http_requests_total" in response.text


async def test_metrics_are_a_404_to_any_other_peer_whatever_it_forwards() -> None:
    async with client_for(build_app(PROXIES), "10.0.0.2") as http:
        response = await http.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "townhall_http" not in response.text


async def test_metrics_allow_admits_the_configured_networks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("METRICS_ALLOW", "10.42.0.0/16, 127.0.0.1/32")
    app = create_app(service="addresses", settings=ServiceSettings())

    async with client_for(app, "10.42.7.1") as prometheus:
        scraped = await prometheus.get("/metrics")
    async with client_for(app, "10.43.0.1") as elsewhere:
        refused = await elsewhere.get("/metrics")

    assert (scraped.status_code, refused.status_code) == (200, 404)
