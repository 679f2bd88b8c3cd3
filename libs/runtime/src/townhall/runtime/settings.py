"""Configuration from the environment (pydantic-settings).

The embedded default and the scaled deployment differ only here: point
``KAFKA_BOOTSTRAP_SERVERS`` at a cluster and ``DATABASE_URL`` at PostgreSQL.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _blank_is_unset(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


#: An optional setting where an empty variable means "not set" (compose files and
#: .env templates write ``NAME=`` for settings an operator has yet to fill in).
OptionalText = Annotated[str | None, BeforeValidator(_blank_is_unset)]
OptionalSecret = Annotated[SecretStr | None, BeforeValidator(_blank_is_unset)]


def _json_or_comma_separated(value: object) -> object:
    if not isinstance(value, str):
        return value
    if value.strip().startswith("["):
        return json.loads(value)
    return [part.strip() for part in value.split(",") if part.strip()]


def _networks(values: list[str]) -> list[str]:
    for value in values:
        ipaddress.ip_network(value)  # strict: "10.1.2.3/8" is a mistake, not 10.0.0.0/8
    return values


#: Address ranges in CIDR form, from ``10.0.0.0/8,::1/128`` or a JSON list.
Networks = Annotated[
    list[str], NoDecode, BeforeValidator(_json_or_comma_separated), AfterValidator(_networks)
]


class KafkaSettings(BaseSettings):
    """Kafka client settings shared by relays, consumers and admin calls."""

    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_plain_username: str | None = None
    sasl_plain_password: SecretStr | None = None
    #: Kafka's broker minimum is 6 s; the embedded broker delays a JoinGroup reply by
    #: half of it, so development sets 2000/300 (``townhall up`` and the tests do).
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    #: Only where the broker supports it (Apache Kafka); never the sole guarantee.
    enable_idempotence: bool = False
    topic_partitions: int = 4
    replication_factor: int = 1
    #: How often relays and consumers check that the broker did not lose its data.
    epoch_check_interval_s: float = 1.0
    request_timeout_ms: int = 10_000
    #: How long the broker may hold a fetch waiting for data. Kafka answers as soon as
    #: data arrives; the embedded broker waits the whole time, so development sets it low.
    fetch_max_wait_ms: int = 500
    #: How often a consumer refreshes cluster metadata, so a pattern subscription (e.g.
    #: every ``legacy.*`` topic) picks up topics created after it started.
    metadata_max_age_ms: int = 30_000

    def client_kwargs(self) -> dict[str, object]:
        """Connection arguments common to aiokafka producers, consumers and admin."""
        kwargs: dict[str, object] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
            "request_timeout_ms": self.request_timeout_ms,
        }
        if self.sasl_mechanism:
            kwargs["sasl_mechanism"] = self.sasl_mechanism
            kwargs["sasl_plain_username"] = self.sasl_plain_username
            if self.sasl_plain_password is not None:
                kwargs["sasl_plain_password"] = self.sasl_plain_password.get_secret_value()
        return kwargs


class ServiceSettings(BaseSettings):
    """Settings every service has. Services subclass it to set their defaults."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "service"
    #: ``development`` serves /docs, /redoc and /openapi.json (``townhall up`` sets it);
    #: production, the default, does not.
    environment: Literal["development", "production"] = "production"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = "sqlite+aiosqlite:///var/service.db"
    log_level: str = "INFO"
    log_json: bool = True
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    #: Run the outbox relay inside the service process.
    relay_enabled: bool = True
    relay_batch_size: int = 500
    #: A commit in this process wakes the relay at once; the poll only finds rows other
    #: processes wrote (a command-line tool, another replica). Every poll is a query, so
    #: an idle platform polls rarely (0.05 s made `make run` idle at 3/4 of a core).
    relay_poll_interval_s: float = 0.5
    #: Published outbox rows (and consumers' dedupe records) are kept this long, so
    #: they can be re-published after the broker loses its data.
    outbox_retention_s: float = 14 * 24 * 3600
    consumer_batch_size: int = 500
    auth_jwks_url: str | None = None
    auth_issuer: str = "townhall-identity"
    auth_audience: str = "townhall"
    #: Base URL of every service by name (``townhall up`` sets SERVICE_URLS_JSON), for
    #: links from one service's pages and answers to another's.
    service_urls: dict[str, str] = Field(default_factory=dict, alias="SERVICE_URLS_JSON")
    #: A request body larger than this is refused with 413 before the route runs.
    http_max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    #: Peers (the TCP address, never X-Forwarded-For) that may read /metrics; others get 404.
    metrics_allow: Networks = Field(default_factory=lambda: ["127.0.0.1/32", "::1/128"])
    #: Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (none by default).
    trusted_proxies: Networks = Field(default_factory=list)
    #: Where rate limits and sign-in delays count (``limits`` storage): ``memory://`` for
    #: one process, a shared store such as ``redis://host:6379`` for several replicas.
    rate_limit_storage: str = "memory://"

    @property
    def development(self) -> bool:
        return self.environment == "development"


#: What differs for the embedded broker; ``townhall up`` passes it on as KAFKA_* variables.
EMBEDDED_OVERRIDES: dict[str, object] = {
    "session_timeout_ms": 2000,
    "heartbeat_interval_ms": 300,
    "epoch_check_interval_s": 0.2,
    # the broker holds every fetch this long even when data is there: 100 ms adds at
    # most that to a hop, where 10 ms had every idle consumer fetch 100 times a second
    # (an idle `make run` used 3/4 of a core; with 100 ms and the relay's 0.5 s poll, 1/5)
    "fetch_max_wait_ms": 100,
}


def embedded_environment() -> dict[str, str]:
    """EMBEDDED_OVERRIDES as environment variables for a service process."""
    return {f"KAFKA_{name.upper()}": str(value) for name, value in EMBEDDED_OVERRIDES.items()}


def embedded_kafka_settings(bootstrap_servers: str, **overrides: object) -> KafkaSettings:
    """Client settings for the embedded broker: short session timeout, quick epoch checks.

    Tansu delays each JoinGroup reply by half the session timeout, so the default 10 s
    would make a first join take 5 s (ARCHITECTURE.md, "Facts measured").
    """
    values: dict[str, object] = {"bootstrap_servers": bootstrap_servers, **EMBEDDED_OVERRIDES}
    values.update(overrides)
    return KafkaSettings(**values)  # type: ignore[arg-type]
