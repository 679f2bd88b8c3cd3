"""A minimal service for testing the launcher: ``python -m townhall.cli.testing_service``.

It reads the environment ``townhall up`` gives every service, serves the runtime's
``/healthz``, ``/readyz`` (ready once the broker accepts connections) and ``/metrics``,
and echoes what it was given at ``/env``.
"""

from __future__ import annotations

import asyncio
import os

import uvicorn
from fastapi import FastAPI

from townhall.runtime.broker import port_is_open
from townhall.runtime.metrics import OUTBOX_BACKLOG
from townhall.runtime.web import create_app

SERVICE = "testing"
ECHOED = (
    "PORT",
    "HOST",
    "DATABASE_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "KAFKA_SESSION_TIMEOUT_MS",
    "KAFKA_HEARTBEAT_INTERVAL_MS",
    "SERVICE_URLS_JSON",
    "AUTH_JWKS_URL",
)


async def broker_reachable() -> str | None:
    first = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092").split(",")[0]
    host, _, port = first.rpartition(":")
    if await asyncio.to_thread(port_is_open, host, int(port)):
        return None
    return f"broker {first} does not accept connections"


def build_app() -> FastAPI:
    app = create_app(service=SERVICE, readiness=[broker_reachable])

    @app.get("/env")
    async def environment() -> dict[str, str | None]:
        return {name: os.environ.get(name) for name in ECHOED}

    OUTBOX_BACKLOG.labels(SERVICE).set(0)
    return app


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ["PORT"])
    uvicorn.run(build_app(), host=host, port=port, log_level="warning", server_header=False)


if __name__ == "__main__":
    main()
