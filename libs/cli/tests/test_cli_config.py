"""The environment rules: ports, databases, broker and the variables each service gets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from townhall.cli import config
from townhall.cli.launcher import Platform, PlatformError
from townhall.cli.services import BROKER, SERVICES, env_name

SERVER = "postgresql://postgres@127.0.0.1:5432/townhall"


def test_every_service_and_the_broker_have_their_documented_default_port() -> None:
    assert config.resolve_ports({}) == {
        "identity": 8001,
        "cases": 8002,
        "booking": 8003,
        "payments": 8004,
        "notifications": 8005,
        "resident-view": 8006,
        "legacy": 8007,
        "legacy-demo": 8008,
        "web": 8000,
        "broker": 9092,
    }


def test_env_names_are_upper_case_with_underscores_and_kafka_for_the_broker() -> None:
    assert env_name("resident-view") == "RESIDENT_VIEW"
    assert env_name("web") == "WEB"
    assert env_name(BROKER) == "KAFKA"


def test_a_port_variable_overrides_one_port_only() -> None:
    ports = config.resolve_ports({"RESIDENT_VIEW_PORT": "9106", "KAFKA_PORT": "19092"})
    assert ports["resident-view"] == 9106
    assert ports[BROKER] == 19092
    assert ports["web"] == 8000


@pytest.mark.parametrize("value", ["abc", "0", "70000"])
def test_a_port_that_is_not_a_port_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(config.ConfigError, match="CASES_PORT"):
        config.resolve_ports({"CASES_PORT": value})


def test_the_var_dir_defaults_to_var_and_follows_townhall_var_dir(tmp_path: Path) -> None:
    assert config.resolve_var_dir({}) == Path("var").absolute()
    assert config.resolve_var_dir({"TOWNHALL_VAR_DIR": str(tmp_path)}) == tmp_path


def test_each_service_gets_its_own_sqlite_file_under_the_var_dir(tmp_path: Path) -> None:
    urls = config.resolve_database_urls({}, ["cases", "resident-view"], tmp_path)
    assert urls == {
        "cases": f"sqlite+aiosqlite:///{tmp_path}/cases.db",
        "resident-view": f"sqlite+aiosqlite:///{tmp_path}/resident-view.db",
    }


def test_a_postgres_server_url_gives_each_service_its_own_database(tmp_path: Path) -> None:
    urls = config.resolve_database_urls({"DATABASE_URL": SERVER}, SERVICES, tmp_path)
    assert urls["resident-view"] == "postgresql://postgres@127.0.0.1:5432/townhall_resident_view"
    assert urls["cases"] == "postgresql://postgres@127.0.0.1:5432/townhall_cases"
    assert len(set(urls.values())) == len(SERVICES)


def test_the_per_service_database_keeps_the_driver_and_password() -> None:
    url = config.per_service_database_url(
        "postgresql+asyncpg://app:s3cret@db:5433/council", "booking"
    )
    assert url == "postgresql+asyncpg://app:s3cret@db:5433/council_booking"


def test_a_service_database_url_overrides_that_service_only(tmp_path: Path) -> None:
    env = {"DATABASE_URL": SERVER, "CASES_DATABASE_URL": "sqlite:///elsewhere.db"}
    urls = config.resolve_database_urls(env, ["cases", "booking"], tmp_path)
    assert urls["cases"] == "sqlite:///elsewhere.db"
    assert urls["booking"].endswith("/townhall_booking")


def test_a_database_url_that_is_not_postgres_is_refused(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="PostgreSQL"):
        config.resolve_database_urls({"DATABASE_URL": "sqlite:///one.db"}, ["cases"], tmp_path)


def test_kafka_bootstrap_servers_means_an_external_cluster() -> None:
    assert config.resolve_kafka_bootstrap({}) is None
    assert config.resolve_kafka_bootstrap({"KAFKA_BOOTSTRAP_SERVERS": "k1:9092"}) == "k1:9092"
    assert config.bootstrap_servers({"KAFKA_PORT": "19092"}) == "127.0.0.1:19092"
    assert config.bootstrap_servers({"KAFKA_BOOTSTRAP_SERVERS": "k1:9092"}) == "k1:9092"


def _environment(embedded: bool) -> dict[str, str]:
    ports = config.resolve_ports({"IDENTITY_PORT": "9001"})
    return config.service_environment(
        port=8002,
        database_url="sqlite+aiosqlite:///var/cases.db",
        bootstrap="127.0.0.1:9092",
        embedded_broker=embedded,
        urls=config.service_urls(ports, SERVICES),
    )


def test_a_service_gets_its_port_database_broker_peers_and_jwks() -> None:
    env = _environment(embedded=True)
    assert env["PORT"] == "8002"
    assert env["HOST"] == "127.0.0.1"
    assert env["DATABASE_URL"] == "sqlite+aiosqlite:///var/cases.db"
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:9092"
    assert env["AUTH_JWKS_URL"] == "http://127.0.0.1:9001/.well-known/jwks.json"
    assert env["ENVIRONMENT"] == "development"  # /docs and /openapi.json are served
    # the front door calls the others from HOST with the resident's address forwarded
    assert env["TRUSTED_PROXIES"] == "127.0.0.1/32"
    peers = json.loads(env["SERVICE_URLS_JSON"])
    assert peers["web"] == "http://127.0.0.1:8000"
    assert peers["resident-view"] == "http://127.0.0.1:8006"
    assert set(peers) == set(SERVICES)


def test_townhall_up_runs_development_unless_told_otherwise() -> None:
    assert config.resolve_environment({}) == {}
    assert config.resolve_environment({"ENVIRONMENT": "production"}) == {
        "ENVIRONMENT": "production"
    }


def test_only_the_embedded_broker_gets_the_short_session_timeout() -> None:
    embedded = _environment(embedded=True)
    assert embedded["KAFKA_SESSION_TIMEOUT_MS"] == "2000"
    assert embedded["KAFKA_HEARTBEAT_INTERVAL_MS"] == "300"
    external = _environment(embedded=False)
    assert "KAFKA_SESSION_TIMEOUT_MS" not in external
    assert "KAFKA_HEARTBEAT_INTERVAL_MS" not in external


def test_the_platform_from_the_environment_uses_the_same_rules(tmp_path: Path) -> None:
    env = {
        "TOWNHALL_VAR_DIR": str(tmp_path),
        "CASES_PORT": "9002",
        "DATABASE_URL": SERVER,
        "KAFKA_BOOTSTRAP_SERVERS": "kafka-1:9092,kafka-2:9092",
    }
    platform = Platform.from_env(env, services=["cases", "web"])
    assert platform.urls == {"cases": "http://127.0.0.1:9002", "web": "http://127.0.0.1:8000"}
    assert platform.database_urls["cases"].endswith("/townhall_cases")
    assert platform.broker is None
    assert platform.bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert platform.log_file("cases") == tmp_path / "logs" / "cases.log"
    assert platform.processes == {}


def test_the_embedded_broker_listens_on_kafka_port_with_its_log_under_var(tmp_path: Path) -> None:
    platform = Platform.from_env({"TOWNHALL_VAR_DIR": str(tmp_path), "KAFKA_PORT": "19092"})
    assert platform.bootstrap_servers == "127.0.0.1:19092"
    assert platform.log_file(BROKER) == tmp_path / "logs" / "broker.log"
    assert platform.services == list(SERVICES)


def test_an_unknown_service_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(PlatformError, match="resident-view"):
        Platform(var_dir=tmp_path, services=["residents"])


def test_the_demo_service_secret_is_made_once_per_var_folder(tmp_path: Path) -> None:
    from townhall.cli.config import demo_matching_environment, demo_service_secret

    first = demo_service_secret(tmp_path)
    assert demo_service_secret(tmp_path) == first and len(first) >= 32
    assert (tmp_path / "demo-service-client.secret").stat().st_mode & 0o777 == 0o600
    urls = {"identity": "http://127.0.0.1:8001", "cases": "http://127.0.0.1:8002"}
    assert demo_matching_environment("identity", first, urls) == {
        "IDENTITY_DEMO_SERVICE_SECRET": first
    }
    cases = demo_matching_environment("cases", first, urls)
    assert cases["IDENTITY_URL"] == "http://127.0.0.1:8001"
    assert cases["IDENTITY_CLIENT_SECRET"] == first
    assert demo_matching_environment("web", first, urls) == {}


def test_the_demo_council_is_300_residents_unless_told_otherwise() -> None:
    assert config.demo_council_residents({}) == 300
    assert config.demo_council_residents({"DEMO_COUNCIL_RESIDENTS": "0"}) == 0
    assert config.demo_council_residents({"DEMO_COUNCIL_RESIDENTS": " 25 "}) == 25
    for bad in ("-1", "many", "2.5"):
        with pytest.raises(config.ConfigError, match="DEMO_COUNCIL_RESIDENTS"):
            config.demo_council_residents({"DEMO_COUNCIL_RESIDENTS": bad})
