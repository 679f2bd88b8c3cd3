"""``python -m townhall.connectors --config connectors.yaml``: capture until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from prometheus_client import start_http_server

from townhall.connectors.config import load_config
from townhall.connectors.mapping import MappingError
from townhall.connectors.metrics import expose
from townhall.connectors.offsets import OffsetStore
from townhall.connectors.runner import build, run_all
from townhall.runtime.settings import KafkaSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m townhall.connectors")
    parser.add_argument("--config", type=Path, required=True, help="the connectors' YAML file")
    parser.add_argument(
        "command",
        nargs="?",
        choices=("run", "status"),
        default="run",
        help="run the connectors (default), or print each one's position, counts and last error",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve Prometheus metrics on 127.0.0.1:PORT/metrics (each connector's changes, "
        "skips, position, how far behind its source, failing)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        config = load_config(args.config)
    except MappingError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 2
    if args.command == "status":
        return print_status(config.offsets)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    offsets = OffsetStore(config.offsets)
    try:
        captures = build(config, KafkaSettings(), offsets)
        expose(captures)
        if args.metrics_port is not None:
            start_http_server(args.metrics_port, addr="127.0.0.1")
        run_all(captures, stop)
    finally:
        offsets.close()
    return 0


def print_status(path: Path) -> int:
    """Each connector's stored position, when it was stored, its counts and last error."""
    if not path.exists():
        print(f"no connector has run yet ({path} does not exist)")
        return 0
    offsets = OffsetStore(path)
    try:
        for row in offsets.overview():
            print(json.dumps(row, sort_keys=True))
    finally:
        offsets.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
