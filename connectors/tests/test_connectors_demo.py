"""The demo council the legacy demo loads: seeded, named as legacy systems name people,
with identity's demo residents among the waste customers."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from townhall.connectors.demo.council import DEMO_RESIDENTS, account_holder, households
from townhall.connectors.demo.service import Demo, DemoSettings, create
from townhall.connectors.mapper.people import parse_names
from townhall.connectors.servers import socket_dir


def test_the_same_seed_gives_the_same_council() -> None:
    assert households(50) == households(50)
    assert households(50) != households(50, seed=1)


def test_council_tax_names_households_as_its_systems_do_and_the_mapper_reads_them() -> None:
    for house in households(200):
        holder = account_holder(house)
        assert holder == holder.upper()
        people = parse_names(holder)
        assert len(people) == min(len(house.people), 2)
        assert {p.family_name for p in people} == {house.people[0].family.capitalize()}


def test_identitys_demo_residents_are_in_the_council_with_their_emails() -> None:
    emails = {p.email for house in households(10) for p in house.people if p.email}
    assert emails == {email for _, _, email in DEMO_RESIDENTS}


def test_a_server_under_a_deep_folder_keeps_its_socket_where_the_path_fits(
    tmp_path: Path,
) -> None:
    deep = tmp_path / ("nested-folder-" * 8) / "var" / "legacy-demo" / "mariadb"
    assert len(str(deep / "mysqld.sock")) > 107  # a Unix socket's path limit
    short = socket_dir(deep)
    assert len(str(short / ".s.PGSQL.65535")) <= 107
    assert socket_dir(deep) == short  # the same folder each time: a restart finds it
    assert socket_dir(Path("/tmp/x")) == Path("/tmp/x")


async def test_a_demo_that_fails_to_start_stops_the_servers_it_had_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo runs its databases in its own process group; if its start fails after
    one is up, it stops them, or they would outlive the demo."""
    stopped: list[str] = []

    def fail_after_starting(demo: Demo) -> None:
        demo.processes.append(cast(Any, "a server"))
        raise RuntimeError("the mapping is broken")

    monkeypatch.setattr(Demo, "start", fail_after_starting)
    monkeypatch.setattr("townhall.connectors.demo.service.stop", stopped.append)
    settings = DemoSettings(legacy_demo_enabled=True, townhall_var_dir=tmp_path)
    app = create(settings)
    with pytest.raises(RuntimeError, match="the mapping is broken"):
        async with app.router.lifespan_context(app):
            pass
    assert stopped == ["a server"]
