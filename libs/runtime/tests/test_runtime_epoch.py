"""The broker epoch: how relays and consumers notice that the broker lost its data."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from townhall.runtime.broker import EmbeddedBroker, free_port
from townhall.runtime.epoch import BrokerEpoch
from townhall.runtime.settings import embedded_kafka_settings

pytestmark = pytest.mark.broker


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    embedded = EmbeddedBroker(port=free_port(), log_file=tmp_path / "tansu.log")
    embedded.start()
    yield embedded
    embedded.stop()


async def test_concurrent_claims_on_an_empty_broker_agree_on_one_epoch(
    own_broker: EmbeddedBroker,
) -> None:
    settings = embedded_kafka_settings(own_broker.bootstrap_servers)
    watchers = [BrokerEpoch(settings) for _ in range(3)]
    for watcher in watchers:
        await watcher.start()
    try:
        epochs = await asyncio.gather(*(w.current() for w in watchers))
        again = await watchers[0].current()
    finally:
        for watcher in watchers:
            await watcher.stop()
    assert len(set(epochs)) == 1
    assert again == epochs[0], "the epoch is stable while the broker keeps its data"


async def test_a_restarted_broker_has_no_epoch_until_one_is_claimed(
    own_broker: EmbeddedBroker,
) -> None:
    settings = embedded_kafka_settings(own_broker.bootstrap_servers)
    watcher = BrokerEpoch(settings)
    await watcher.start()
    try:
        before = await watcher.current()
        own_broker.kill()
        own_broker.start()
        assert await watcher.read() is None
        after = await watcher.current()
    finally:
        await watcher.stop()
    assert after != before
