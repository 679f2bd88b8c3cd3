"""Relay and consumer processes for crash tests: ``python -m townhall.runtime.testkit.workers``.

``consume`` runs the probe consumer until killed. ``relay-then-die`` publishes one batch
and SIGKILLs itself before marking it published, as a crash at the worst moment would.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from collections.abc import Sequence
from typing import Any

from townhall.runtime.epoch import BrokerEpoch
from townhall.runtime.settings import embedded_kafka_settings
from townhall.runtime.testkit.probe import Probe


async def _die(_rows: Sequence[Any]) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


async def main(args: argparse.Namespace) -> None:
    kafka = embedded_kafka_settings(args.bootstrap)
    probe = await Probe.open(args.db, kafka, args.topic, args.group)
    epoch = BrokerEpoch(kafka)
    await epoch.start()
    if args.mode == "relay-then-die":
        relay = probe.relay(epoch, after_publish=_die)
        await relay.start()
    else:
        consumer = probe.consumer(epoch)
        await consumer.start()
        print("consuming", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["consume", "relay-then-die"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    asyncio.run(main(parser.parse_args()))
