"""Settings read from the environment."""

from __future__ import annotations

import pytest
from pydantic_settings import BaseSettings

from townhall.runtime.settings import OptionalSecret, OptionalText


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
