"""Environment rules: which port, database and broker each process gets.

Pure functions of an environment mapping, so ``townhall up``, ``townhall status`` and
the tests all read the environment the same way.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

from townhall.cli.services import (
    BROKER,
    BROKER_DEFAULT_PORT,
    HOST,
    JWKS_PATH,
    SERVICES,
    TOKEN_ISSUER,
    ServiceSpec,
    base_url,
    env_name,
)
from townhall.runtime.settings import embedded_environment

DEFAULT_VAR_DIR = "var"
#: Kafka client overrides for the embedded broker (it delays JoinGroup by half the
#: session timeout and holds fetches for their whole wait; see ARCHITECTURE.md).
EMBEDDED_KAFKA_ENV: Mapping[str, str] = embedded_environment()
#: The embedded default seeds synthetic demo officers and residents (logins in identity's
#: log). One-time codes, like every message, go to notifications' development mailbox
#: (GET /dev/mailbox on notifications), its default sender without SENDER=notify.
EMBEDDED_DEMO_ENV: Mapping[str, str] = {
    "IDENTITY_SEED_DEMO": "1",
    # the demo council tax and waste systems (townhall.connectors.demo), and the legacy
    # mapper reading them with their mapping files
    "LEGACY_DEMO_ENABLED": "1",
}


#: How many synthetic residents ``townhall up`` makes on the embedded default.
DEMO_COUNCIL_DEFAULT = 300


def demo_council_residents(env: Mapping[str, str]) -> int:
    """``DEMO_COUNCIL_RESIDENTS`` (0: no demo council)."""
    raw = env.get("DEMO_COUNCIL_RESIDENTS", "").strip()
    if not raw:
        return DEMO_COUNCIL_DEFAULT
    if not raw.isdigit():
        raise ConfigError(f"DEMO_COUNCIL_RESIDENTS={raw!r}: a whole number (0 for none)")
    return int(raw)


class ConfigError(ValueError):
    """The environment asks for something the platform cannot do."""


def resolve_var_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("TOWNHALL_VAR_DIR") or DEFAULT_VAR_DIR).absolute()


def _port(variable: str, value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise ConfigError(f"{variable}={value!r} is not a port number") from None
    if not 0 < port < 65536:
        raise ConfigError(f"{variable}={value!r} is outside 1-65535")
    return port


def port_for(env: Mapping[str, str], name: str, default: int) -> int:
    """``<NAME>_PORT`` when set (``KAFKA_PORT`` for the broker), else ``default``."""
    variable = f"{env_name(name)}_PORT"
    value = env.get(variable)
    return _port(variable, value) if value else default


def resolve_ports(
    env: Mapping[str, str], registry: Mapping[str, ServiceSpec] = SERVICES
) -> dict[str, int]:
    """Every service's port and the broker's."""
    ports = {name: port_for(env, name, spec.default_port) for name, spec in registry.items()}
    ports[BROKER] = port_for(env, BROKER, BROKER_DEFAULT_PORT)
    return ports


def resolve_kafka_bootstrap(env: Mapping[str, str]) -> str | None:
    """An external cluster's bootstrap servers, or None for the embedded broker."""
    return env.get("KAFKA_BOOTSTRAP_SERVERS") or None


def bootstrap_servers(env: Mapping[str, str]) -> str:
    """Where clients connect: the external cluster, else the embedded broker's port."""
    embedded = f"{HOST}:{port_for(env, BROKER, BROKER_DEFAULT_PORT)}"
    return resolve_kafka_bootstrap(env) or embedded


def is_postgres_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def sqlite_url(var_dir: Path, name: str) -> str:
    return f"sqlite+aiosqlite:///{var_dir.absolute() / name}.db"


def per_service_database_url(server_url: str, name: str) -> str:
    """``postgresql://h/townhall`` → ``postgresql://h/townhall_resident_view``."""
    url = make_url(server_url)
    database = f"{url.database or 'townhall'}_{name.replace('-', '_')}"
    return url.set(database=database).render_as_string(hide_password=False)


def resolve_database_urls(
    env: Mapping[str, str], names: Iterable[str], var_dir: Path
) -> dict[str, str]:
    """Each service's own database: ``<NAME>_DATABASE_URL``, else one per service on the
    PostgreSQL server in ``DATABASE_URL``, else a SQLite file under ``var_dir``."""
    server = env.get("DATABASE_URL") or None
    if server is not None and not is_postgres_url(server):
        raise ConfigError(
            "DATABASE_URL must name a PostgreSQL server (each service gets its own database "
            "there); use <SERVICE>_DATABASE_URL to point one service elsewhere"
        )
    urls: dict[str, str] = {}
    for name in names:
        override = env.get(f"{env_name(name)}_DATABASE_URL")
        if override:
            urls[name] = override
        elif server is not None:
            urls[name] = per_service_database_url(server, name)
        else:
            urls[name] = sqlite_url(var_dir, name)
    return urls


def resolve_environment(env: Mapping[str, str]) -> dict[str, str]:
    """``ENVIRONMENT=production townhall up`` runs the services as in production (no
    /docs); otherwise they run in development (:func:`service_environment`)."""
    return {"ENVIRONMENT": env["ENVIRONMENT"]} if env.get("ENVIRONMENT") else {}


def service_urls(ports: Mapping[str, int], names: Iterable[str]) -> dict[str, str]:
    return {name: base_url(ports[name]) for name in names}


def jwks_url(urls: Mapping[str, str]) -> str:
    return f"{urls.get(TOKEN_ISSUER, base_url(8001))}{JWKS_PATH}"


def service_environment(
    *,
    port: int,
    database_url: str,
    bootstrap: str,
    embedded_broker: bool,
    urls: Mapping[str, str],
) -> dict[str, str]:
    """The variables ``townhall up`` sets for one service process."""
    env = {
        "PORT": str(port),
        "HOST": HOST,
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SERVICE_URLS_JSON": json.dumps(dict(urls), sort_keys=True),
        "AUTH_JWKS_URL": jwks_url(urls),
        "PYTHONUNBUFFERED": "1",
        # townhall up is for a developer's machine: /docs and /openapi.json are served
        "ENVIRONMENT": "development",
        # every service listens on HOST only, and the front door (web) calls the others
        # from it with the resident's address in X-Forwarded-For: believe it, so sign-in
        # delays and Open311 look-ups count per resident, not one count for all of web
        "TRUSTED_PROXIES": f"{HOST}/32",
    }
    if embedded_broker:
        env.update(EMBEDDED_KAFKA_ENV)
        env.update(EMBEDDED_DEMO_ENV)
    return env


DEMO_SECRET_FILE = "demo-service-client.secret"


def demo_service_secret(var_dir: Path) -> str:
    """The development secret with which cases and resident-view call identity (to match
    residents, and read their data keys): made once per var folder (mode 0600), so
    identity's seeded clients (townhall.identity.seed) and the services agree."""
    path = var_dir / DEMO_SECRET_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def demo_matching_environment(name: str, secret: str, urls: Mapping[str, str]) -> dict[str, str]:
    """On the embedded default, wire cases to identity's matcher and residents' data keys
    (it seals what is written about them), and resident-view and notifications to the
    data keys (they open them), each with its demo client."""
    if name == "identity":
        return {"IDENTITY_DEMO_SERVICE_SECRET": secret}
    if name in ("cases", "resident-view", "notifications", "legacy") and "identity" in urls:
        return {
            "IDENTITY_URL": urls["identity"],
            "IDENTITY_CLIENT_ID": name,
            "IDENTITY_CLIENT_SECRET": secret,
        }
    return {}
