"""Who is calling: the TCP peer, and the client behind the proxies a service trusts.

Two questions with different answers behind a load balancer. *May this caller read
/metrics?* is decided by the TCP peer alone (:func:`peer_address`): a header says
whatever the caller wrote in it. *Which client is this?* (throttling per address)
believes ``X-Forwarded-For`` only when the peer is a trusted proxy, and reads it from
the right (:func:`forwarded_client`): each proxy appends the address it saw, so the
first untrusted address from the right is the client, and whatever a client writes
into the header itself stays to the left of it.

Uvicorn runs with ``proxy_headers=False`` (:func:`townhall.runtime.service.serve`), so
``scope["client"]`` and ``scope["scheme"]`` are always what the socket saw.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from starlette.types import Scope

__all__ = [
    "Network",
    "forwarded_client",
    "forwarded_scheme",
    "is_within",
    "parse_networks",
    "peer_address",
]

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs (``10.0.0.0/8``, ``::1/128``; a bare address is a /32 or /128)."""
    return tuple(ipaddress.ip_network(value) for value in values)


def _address(text: str) -> Address | None:
    """An IP address from a socket or a forwarding header, ports and brackets removed."""
    text = text.strip()
    if text.startswith("["):  # "[2001:db8::1]:443"
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack socket's "::ffff:127.0.0.1"
    return address


def _within(address: Address, networks: Sequence[Network]) -> bool:
    return any(address in network for network in networks)


def is_within(text: str, networks: Sequence[Network]) -> bool:
    """Whether the address ``text`` is in one of ``networks`` (False if not an address)."""
    address = _address(text)
    return address is not None and _within(address, networks)


def peer_address(scope: Scope) -> str:
    """The TCP peer's address, or ``""`` when the server gave none (a Unix socket)."""
    client = scope.get("client")
    return str(client[0]) if client else ""


def _header_values(scope: Scope, name: bytes) -> list[str]:
    """Every comma-separated value of header ``name``, across repeated headers, in order."""
    values: list[str] = []
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            values.extend(part.strip() for part in value.decode("latin-1").split(","))
    return [value for value in values if value]


def _from_trusted_proxy(scope: Scope, trusted: Sequence[Network]) -> bool:
    return bool(trusted) and is_within(peer_address(scope), trusted)


def forwarded_client(scope: Scope, trusted: Sequence[Network]) -> str:
    """The client's address: the peer, or, when the peer is a trusted proxy, the first
    address in ``X-Forwarded-For`` from the right that is not a trusted proxy."""
    peer = peer_address(scope)
    if not _from_trusted_proxy(scope, trusted):
        return peer
    client = _address(peer) or peer
    for hop in reversed(_header_values(scope, b"x-forwarded-for")):
        address = _address(hop)
        if address is None:  # garbage: stop at the last address a trusted proxy wrote
            break
        client = address
        if not _within(address, trusted):
            break
    return str(client)


def forwarded_scheme(scope: Scope, trusted: Sequence[Network]) -> str:
    """``https`` or ``http`` as the client used it: the socket's scheme, or what a
    trusted proxy says in ``X-Forwarded-Proto`` (its first value, the client's hop)."""
    scheme = str(scope.get("scheme", "http"))
    if _from_trusted_proxy(scope, trusted):
        forwarded = _header_values(scope, b"x-forwarded-proto")
        if forwarded:
            return forwarded[0].lower()
    return scheme
