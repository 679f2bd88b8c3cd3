"""Fixtures of web's tests: the platform web calls, started once per session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.web.tests.web_platform import Platform, platform
from townhall.runtime.settings import KafkaSettings


@pytest.fixture(scope="session")
async def services(
    tmp_path_factory: pytest.TempPathFactory, kafka_settings: KafkaSettings
) -> AsyncIterator[Platform]:
    """The platform, started once for the session's tests that need it."""
    async with platform(tmp_path_factory.mktemp("web-platform"), kafka_settings) as running:
        yield running
