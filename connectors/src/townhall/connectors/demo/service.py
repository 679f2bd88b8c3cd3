"""The demo legacy systems as a process ``townhall up`` starts and watches (``legacy-demo``).

On start: the two database servers under ``var/legacy-demo/`` (installed the first
time, on ports 3307 and 5433 unless told otherwise), the synthetic council loaded once,
Townhall's connectors on both (offsets kept beside them, so a restart resumes), and a
change every ``LEGACY_DEMO_CHANGE_INTERVAL_S`` seconds. ``GET /legacy-demo/status`` says
what runs, what does not and why, and each connector's position and counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import subprocess
import tempfile
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg2
import pymysql
import yaml
from fastapi import FastAPI, Request

from townhall.connectors.config import load_config
from townhall.connectors.demo.systems import Changes, load
from townhall.connectors.metrics import expose
from townhall.connectors.offsets import OffsetStore
from townhall.connectors.runner import build, run_all
from townhall.connectors.servers import reachable_by_postgres, run_postgres, start_mariadb, stop
from townhall.runtime.broker import free_port
from townhall.runtime.settings import ServiceSettings
from townhall.runtime.web import create_app

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
#: The demo systems' mapping files, for the legacy mapper (``LEGACY_MAPPINGS``).
MAPPINGS = (HERE / "counciltax.yaml", HERE / "waste.yaml")


class DemoSettings(ServiceSettings):
    service_name: str = "legacy-demo"
    port: int = 8008
    #: Off unless ``townhall up`` runs the embedded default: never pump demo rows into a
    #: council's own Kafka.
    legacy_demo_enabled: bool = False
    townhall_var_dir: Path = Path("var")
    legacy_demo_households: int = 2000
    #: 0: any free port (tests).
    legacy_demo_mariadb_port: int = 3307
    legacy_demo_postgres_port: int = 5433
    #: Seconds between changes (0: none; tests make them by hand).
    legacy_demo_change_interval_s: float = 5.0


@dataclass
class Demo:
    settings: DemoSettings
    folder: Path
    notes: list[str] = field(default_factory=list)
    mariadb_port: int | None = None
    postgres_port: int | None = None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    changes: Changes | None = None
    made: int = 0

    @property
    def config_file(self) -> Path:
        return self.folder / "connectors.yaml"

    def start(self) -> None:
        """Everything that can run; what cannot is noted (and logged), never fatal."""
        s = self.settings
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            server = start_mariadb(self.folder / "mariadb", s.legacy_demo_mariadb_port or None,
                                   own_session=False)  # fmt: skip
            self.processes.append(server.process)
            self.mariadb_port = server.port
        except (FileNotFoundError, RuntimeError, OSError) as error:
            self._note(f"council tax (MariaDB) not started: {error}")
        try:
            root = self._postgres_folder()
            port = s.legacy_demo_postgres_port or free_port()
            self.processes.append(run_postgres(root, port))
            self.postgres_port = port
        except (FileNotFoundError, RuntimeError, OSError, subprocess.CalledProcessError) as error:
            self._note(f"waste (PostgreSQL) not started: {error}")
        try:
            load(self.mariadb_port, None, s.legacy_demo_households)
        except (pymysql.Error, OSError) as error:
            self._note(f"council tax (MariaDB) not loaded: {error}")
            self.mariadb_port = None
        try:
            load(None, self.postgres_port, s.legacy_demo_households)
        except (psycopg2.Error, OSError) as error:
            self._note(f"waste (PostgreSQL) not loaded: {error}")
            self.postgres_port = None
        connectors = self._connectors()
        if not connectors:
            return
        self.config_file.write_text(yaml.safe_dump(
            {"offsets": str(self.folder / "offsets.db"), "connectors": connectors}
        ))  # fmt: skip
        config = load_config(self.config_file)
        offsets = OffsetStore(config.offsets)
        captures = build(config, s.kafka, offsets)
        expose(captures)  # at /metrics, for townhall status and Prometheus
        thread = threading.Thread(target=run_all, args=(captures, self.stop),
                                  name="legacy-demo-connectors", daemon=True)  # fmt: skip
        thread.start()
        self.threads.append(thread)
        self.changes = Changes(self.mariadb_port, self.postgres_port)

    def _postgres_folder(self) -> Path:
        """``var/legacy-demo/postgres``; when the postgres user (the server refuses to run
        as root) cannot reach it, a folder of the same name under the system's
        temporary folder, named after this var folder, so a restart finds it again."""
        root = self.folder / "postgres"
        root.mkdir(exist_ok=True)
        if reachable_by_postgres(root):
            return root
        digest = hashlib.sha256(str(self.folder).encode()).hexdigest()[:12]
        elsewhere = Path(tempfile.gettempdir()) / f"townhall-legacy-demo-{digest}"
        elsewhere.mkdir(exist_ok=True)
        self._note(f"waste (PostgreSQL) keeps its data in {elsewhere}: the postgres user "
                   f"cannot reach {root}")  # fmt: skip
        return elsewhere

    def _connectors(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if self.mariadb_port is not None:
            found.append({"kind": "mysql", "system": "counciltax", "port": self.mariadb_port,
                          "user": "root", "database": "counciltax",
                          "tables": ["accounts"]})  # fmt: skip
        if self.postgres_port is not None:
            dsn = f"host=127.0.0.1 port={self.postgres_port} user=postgres dbname=waste"
            found.append({"kind": "postgresql", "system": "waste", "dsn": dsn,
                          "tables": ["customers", "reports"]})  # fmt: skip
        return found

    def change(self, today: date) -> str:
        assert self.changes is not None
        made = self.changes.one(today)
        self.made += 1
        return made

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=10)
        for process in reversed(self.processes):
            stop(process)

    def status(self) -> dict[str, Any]:
        connectors: list[dict[str, Any]] = []
        if (self.folder / "offsets.db").exists():
            offsets = OffsetStore(self.folder / "offsets.db")
            try:
                connectors = list(offsets.overview())
            finally:
                offsets.close()
        return {
            "council_tax_mariadb_port": self.mariadb_port,
            "waste_postgres_port": self.postgres_port,
            "changes_made": self.made,
            "notes": self.notes,
            "connectors": connectors,
        }

    def _note(self, text: str) -> None:
        self.notes.append(text)
        log.warning("legacy_demo: %s", text)


async def _keep_changing(demo: Demo, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        try:
            made = await asyncio.to_thread(demo.change, date.today())
            log.info("legacy_demo_change: %s", made)
        except Exception as error:  # a database restarting: try again next time
            log.warning("legacy_demo_change_failed: %r", error)


def create(settings: DemoSettings) -> FastAPI:
    demo = Demo(settings, settings.townhall_var_dir.absolute() / "legacy-demo")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.demo = demo
        if not settings.legacy_demo_enabled:
            demo.notes.append("off: the demo legacy systems run on the embedded default only")
            yield
            return
        try:
            await asyncio.to_thread(demo.start)
        except BaseException:  # never leave a database server behind a failed start
            await asyncio.to_thread(demo.close)
            raise
        changing = None
        if demo.changes is not None and settings.legacy_demo_change_interval_s > 0:
            interval = settings.legacy_demo_change_interval_s
            changing = asyncio.create_task(_keep_changing(demo, interval))
        try:
            yield
        finally:
            if changing is not None:
                changing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await changing
            await asyncio.to_thread(demo.close)

    app = create_app(service=settings.service_name, settings=settings, lifespan=lifespan)

    @app.get("/legacy-demo/status", tags=["legacy demo"])
    async def status(request: Request) -> dict[str, Any]:
        """Which demo legacy databases run (and why not), the changes made, and each
        connector's position, counts and last error."""
        return await asyncio.to_thread(request.app.state.demo.status)

    @app.post("/legacy-demo/changes", status_code=201, tags=["legacy demo"])
    async def make_change(request: Request) -> dict[str, str]:
        """Make one change in a demo legacy system now (a walkthrough, or a test)."""
        running: Demo = request.app.state.demo
        if running.changes is None:
            return {"change": "none: no demo legacy database runs"}
        return {"change": await asyncio.to_thread(running.change, date.today())}

    return app
