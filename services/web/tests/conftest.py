"""Fixtures of web's tests: the platform web calls, started once per session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright

from services.web.tests.web_platform import Platform, platform
from townhall.runtime.settings import KafkaSettings


@pytest.fixture(scope="session")
async def services(
    tmp_path_factory: pytest.TempPathFactory, kafka_settings: KafkaSettings
) -> AsyncIterator[Platform]:
    """The platform, started once for the session's tests that need it."""
    async with platform(tmp_path_factory.mktemp("web-platform"), kafka_settings) as running:
        yield running


#: Debian's Chromium (``make test`` installs it), never a browser Playwright downloads.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the whole session; each test opens its own contexts."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        await launched.close()
