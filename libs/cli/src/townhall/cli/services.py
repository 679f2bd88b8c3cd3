"""The services ``townhall up`` starts: name, module and default port.

This module only *names* the services; it never imports them. Each one is started as
its own process with ``python -m <module>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

HOST = "127.0.0.1"

#: The embedded broker's name in port mappings; its port variable is ``KAFKA_PORT``.
BROKER = "broker"
BROKER_ENV_PREFIX = "KAFKA"
BROKER_DEFAULT_PORT = 9092

#: The service residents and officers open in a browser.
FRONT_DOOR = "web"
#: The service that publishes the JWKS every other service verifies tokens against.
TOKEN_ISSUER = "identity"
JWKS_PATH = "/.well-known/jwks.json"


@dataclass(frozen=True)
class ServiceSpec:
    """One service process: ``python -m module`` listening on ``default_port``."""

    name: str
    module: str
    default_port: int


def _registry(*specs: ServiceSpec) -> Mapping[str, ServiceSpec]:
    return MappingProxyType({spec.name: spec for spec in specs})


#: Every service, in start order (identity first: the others fetch its JWKS).
SERVICES: Mapping[str, ServiceSpec] = _registry(
    ServiceSpec("identity", "townhall.identity", 8001),
    ServiceSpec("cases", "townhall.cases", 8002),
    ServiceSpec("booking", "townhall.booking", 8003),
    ServiceSpec("payments", "townhall.payments", 8004),
    ServiceSpec("notifications", "townhall.notifications", 8005),
    ServiceSpec("resident-view", "townhall.resident_view", 8006),
    # legacy systems' changes onto residents' timelines (the connectors' mapper)
    ServiceSpec("legacy", "townhall.connectors.mapper", 8007),
    # the demo council tax and waste systems, on the embedded default only
    ServiceSpec("legacy-demo", "townhall.connectors.demo", 8008),
    ServiceSpec("web", "townhall.web", 8000),
)


def env_name(name: str) -> str:
    """The environment-variable stem of a service: ``resident-view`` → ``RESIDENT_VIEW``."""
    if name == BROKER:
        return BROKER_ENV_PREFIX
    return name.upper().replace("-", "_")


def base_url(port: int, host: str = HOST) -> str:
    return f"http://{host}:{port}"
