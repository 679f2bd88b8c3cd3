"""Legacy history reaches residents' timelines, through real processes as `make run`
starts them: the demo waste system (PostgreSQL with logical decoding) and council tax
system (MariaDB with its binary log), Townhall's connectors on both, the legacy mapper
matching their people through identity, and resident-view.

A waste officer records a missed bin in the legacy waste system for Ada Example (one of
identity's demo residents, a waste customer under her email): it appears on her timeline
with the summary the council's mapping gives it; a council tax officer sees the council
tax account of a household the demo council holds.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.demo_clients import bearer, officer_token
from townhall.cli.launcher import Platform
from townhall.connectors.demo.systems import postgres
from townhall.connectors.servers import POSTGRES_BIN
from townhall.runtime.broker import free_port
from townhall.runtime.testkit.fixtures import Processes
from townhall.runtime.testkit.waiting import eventually

SERVICES = ("identity", "resident-view", "legacy", "legacy-demo")
PURPOSE = {"purpose": "resident on the phone about their bins"}


@pytest.fixture
def platform(tmp_path: Path, processes: Processes) -> Platform:
    if not (POSTGRES_BIN / "initdb").exists():
        pytest.skip("PostgreSQL's server binaries are not installed")
    var = tmp_path / "var"
    var.mkdir()
    var.chmod(0o755)  # the demo's PostgreSQL runs as the postgres user, under var/
    return processes.start(
        Platform(
            var_dir=var,
            services=SERVICES,
            ports={name: free_port() for name in (*SERVICES, "broker")},
            extra_env={
                "LEGACY_DEMO_HOUSEHOLDS": "25",
                "LEGACY_DEMO_CHANGE_INTERVAL_S": "0",
                # any free ports, chosen by the demo as it starts its databases
                "LEGACY_DEMO_MARIADB_PORT": "0",
                "LEGACY_DEMO_POSTGRES_PORT": "0",
                # the mapper finds the legacy topics the connectors create soon after
                "KAFKA_METADATA_MAX_AGE_MS": "1000",
            },
        )
    )


async def test_a_missed_bin_recorded_in_the_legacy_waste_system_reaches_the_residents_timeline(
    platform: Platform,
) -> None:
    identity, view, demo = (platform.urls[n] for n in ("identity", "resident-view", "legacy-demo"))
    async with httpx.AsyncClient(timeout=15) as client:
        status = (await client.get(f"{demo}/legacy-demo/status")).json()
        assert not [n for n in status["notes"] if " not " in n], status["notes"]
        waste = await officer_token(client, identity, "demo.waste@example.org")

        async def ada() -> list[dict[str, Any]]:
            found = await client.get(
                f"{view}/residents/search",
                params={"email": "ada.example@example.org", **PURPOSE},
                headers=bearer(waste),
            )
            return found.json()["results"] if found.status_code == 200 else []

        [found] = await eventually(ada, lambda results: len(results) == 1)
        resident = found["resident_id"]
        await asyncio.to_thread(_missed_bin_for, "ada.example@example.org", status)

        async def timeline() -> list[dict[str, Any]]:
            response = await client.get(
                f"{view}/residents/{resident}/timeline", params=PURPOSE, headers=bearer(waste)
            )
            return response.json()["entries"] if response.status_code == 200 else []

        summary = "Waste service: missed bin reported (open)"
        entries = await eventually(
            timeline, lambda es: any(e["summary"] == summary for e in es), timeout_s=90
        )
    [entry] = [e for e in entries if e["summary"] == summary]
    assert (entry["domain"], entry["source"]) == ("waste", "/townhall/legacy")


def _missed_bin_for(email: str, status: dict[str, Any]) -> None:
    connection = postgres(status["waste_postgres_port"])
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM customers WHERE email = %s", (email,))
            [customer] = cursor.fetchone()
            cursor.execute(
                "INSERT INTO reports (customer_id, kind, reported_on, status) "
                "VALUES (%s, 'missed bin', %s, 'open')",
                (customer, date.today()),
            )
    finally:
        connection.close()
