"""Settings read from the environment."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from townhall.runtime.settings import OptionalSecret, OptionalText, ServiceSettings


class Wiring(BaseSettings):
    peer_url: OptionalText = None
    peer_secret: OptionalSecret = None


@pytest.mark.parametrize("blank", ["", "   "])
def test_an_empty_variable_means_the_setting_is_not_set(
    monkeypatch: pytest.MonkeyPatch, blank: str
) -> None:
    monkeypatch.setenv("PEER_URL", blank)
    monkeypatch.setenv("PEER_SECRET", blank)
    assert Wiring().peer_url is None
    assert Wiring().peer_secret is None


def test_a_filled_variable_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEER_URL", "http://identity:8001")
    monkeypatch.setenv("PEER_SECRET", "s3cret")
    settings = Wiring()
    assert settings.peer_url == "http://identity:8001"
    assert settings.peer_secret is not None and settings.peer_secret.get_secret_value() == "s3cret"


def test_production_is_the_default_and_the_environment_variable_changes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert ServiceSettings().environment == "production"
    assert not ServiceSettings().development
    monkeypatch.setenv("ENVIRONMENT", "development")
    assert ServiceSettings().development
    monkeypatch.setenv("ENVIRONMENT", "staging")
    with pytest.raises(ValidationError):
        ServiceSettings()


def test_the_http_defaults_are_the_safe_ones() -> None:
    settings = ServiceSettings()
    assert settings.http_max_body_bytes == 1024 * 1024
    assert settings.metrics_allow == ["127.0.0.1/32", "::1/128"]  # loopback only
    assert settings.trusted_proxies == []  # no X-Forwarded-For is believed


@pytest.mark.parametrize(
    ("value", "networks"),
    [
        ('["10.0.0.0/8", "::1/128"]', ["10.0.0.0/8", "::1/128"]),
        ("10.0.0.0/8,192.168.1.5", ["10.0.0.0/8", "192.168.1.5"]),
        ("", []),
    ],
)
def test_network_settings_read_json_or_comma_separated_lists(
    monkeypatch: pytest.MonkeyPatch, value: str, networks: list[str]
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", value)
    assert ServiceSettings().trusted_proxies == networks


@pytest.mark.parametrize("bad", ["10.1.2.3/8", "not-a-network", "10.0.0.0/33"])
def test_a_mistyped_network_stops_the_service_from_starting(bad: str) -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(metrics_allow=[bad])
