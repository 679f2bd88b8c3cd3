"""The ``townhall`` command: start, supervise and inspect the platform."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import threading
from collections.abc import Mapping
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from townhall.cli import config, demo_council
from townhall.cli.dlq import waiting_counts
from townhall.cli.dlq_command import dlq_app
from townhall.cli.launcher import Platform, PlatformError
from townhall.cli.services import BROKER, BROKER_DEFAULT_PORT, FRONT_DOOR, SERVICES
from townhall.cli.status import (
    PlatformStatus,
    collect_status,
    connectors_table,
    status_json,
    status_table,
)

app = typer.Typer(
    help="Townhall: start, supervise and inspect the platform.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(dlq_app, name="dlq")
console = Console()
errors = Console(stderr=True)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM both end the command through KeyboardInterrupt."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)


def _ignore_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _banner(platform: Platform) -> Panel:
    urls = platform.urls
    front = urls.get(FRONT_DOOR) or next(iter(urls.values()), "-")
    lines = [
        f"[bold]Townhall is running.[/bold] Open [link={front}]{front}[/link]",
        "",
        *(f"  {name:<14} {url}" for name, url in urls.items()),
        f"  {'kafka':<14} {platform.bootstrap_servers}",
        "",
        f"Logs: {platform.log_dir}    Ctrl-C stops everything.",
    ]
    return Panel("\n".join(lines), title="townhall up", border_style="green")


def _print_status(platform: Platform) -> None:
    async def collect() -> PlatformStatus:
        return await collect_status(
            platform.urls,
            bootstrap_servers=platform.bootstrap_servers,
            processes=platform.running(),
            dead_letters=await waiting_counts(platform.database_urls),
        )

    _print_tables(asyncio.run(collect()))


def _print_tables(found: PlatformStatus) -> None:
    console.print(status_table(found))
    connectors = connectors_table(found)
    if connectors is not None:
        console.print(connectors)


def _databases(env: Mapping[str, str]) -> dict[str, str]:
    """Each service's database, or none when the environment names them wrongly
    (``townhall status`` then shows the processes' own dead-letter counts)."""
    try:
        return config.resolve_database_urls(env, SERVICES, config.resolve_var_dir(env))
    except config.ConfigError:
        return {}


def _demo_council(platform: Platform) -> None:
    """On the embedded default, fill the platform with a synthetic council in the
    background (``DEMO_COUNCIL_RESIDENTS``, 300 by default, 0 for none), reporting as
    it goes; once per var folder."""
    try:
        residents = config.demo_council_residents(os.environ)
    except config.ConfigError as error:
        errors.print(f"[yellow]no demo council:[/yellow] {error}")
        return
    needed = ("identity", "cases", "payments", "booking")
    if platform.broker is None or not residents or not set(needed) <= set(platform.services):
        return
    urls = platform.urls

    def run() -> None:
        try:
            done = demo_council.seed(
                urls,
                residents,
                platform.var_dir,
                report=lambda progress: console.print(f"[dim]{progress.line()}[/dim]"),
            )
        except (demo_council.DemoError, httpx.HTTPError, OSError, ValueError) as error:
            errors.print(f"[yellow]demo council stopped:[/yellow] {error}")
            return
        if done.skipped:
            where = platform.var_dir / demo_council.PROGRESS_FILE
            console.print(f"[dim]demo council: {len(done.skipped)} steps skipped ({where})[/dim]")

    threading.Thread(target=run, name="demo-council", daemon=True).start()


@app.command()
def up(
    service: Annotated[
        list[str] | None,
        typer.Option("--service", "-s", help="Start only these services (repeatable)."),
    ] = None,
) -> None:
    """Start the broker and every service, then keep them running until Ctrl-C."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s [%(levelname)s] %(message)s")
    try:
        platform = Platform.from_env(services=service or None)
    except (PlatformError, config.ConfigError) as error:
        errors.print(f"[bold red]townhall up:[/bold red] {error}")
        raise typer.Exit(2) from error
    _stop_on_signals()
    try:
        with console.status("Starting the broker and the services…"):
            platform.start()
        console.print(_banner(platform))
        _print_status(platform)
        _demo_council(platform)
        platform.supervise()
    except KeyboardInterrupt:
        console.print("Stopping…")
    except PlatformError as error:
        errors.print(f"[bold red]townhall up failed:[/bold red] {error}")
        raise typer.Exit(1) from error
    finally:
        _ignore_signals()
        platform.stop()
    console.print("Stopped.")


@app.command(name="demo-council")
def demo_council_command(
    residents: Annotated[int, typer.Option(help="How many synthetic residents.")] = 300,
) -> None:
    """Fill a running platform with a synthetic council (what `make run` does on the
    embedded default): residents with requests, payments and visits, made through the
    services' APIs. Carries on where it stopped; once done, does nothing."""
    env = os.environ
    urls = config.service_urls(config.resolve_ports(env), SERVICES)
    try:
        done = demo_council.seed(
            urls,
            residents,
            config.resolve_var_dir(env),
            report=lambda progress: console.print(progress.line()),
        )
    except (demo_council.DemoError, httpx.HTTPError) as error:
        errors.print(f"[bold red]townhall demo-council:[/bold red] {error}")
        raise typer.Exit(1) from error
    console.print(done.line())


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each answer.")] = 1.0,
) -> None:
    """Health, readiness, backlog and lag of every service (exit 1 unless all healthy)."""
    env = os.environ
    ports = config.resolve_ports(env)
    urls = config.service_urls(ports, SERVICES)

    async def collect() -> PlatformStatus:
        return await collect_status(
            urls,
            bootstrap_servers=config.bootstrap_servers(env),
            dead_letters=await waiting_counts(_databases(env)),
            timeout_s=timeout,
        )

    found = asyncio.run(collect())
    if as_json:
        typer.echo(json.dumps(status_json(found), indent=2))
    else:
        _print_tables(found)
    raise typer.Exit(0 if found.healthy else 1)


@app.command()
def broker(
    port: Annotated[int | None, typer.Option(help="Port (default KAFKA_PORT, else 9092).")] = None,
) -> None:
    """Run the embedded broker in the foreground, with every topic created."""
    from townhall.runtime.broker import run_forever

    chosen = port or config.port_for(os.environ, BROKER, BROKER_DEFAULT_PORT)
    _stop_on_signals()
    console.print(f"Embedded broker on 127.0.0.1:{chosen}; Ctrl-C stops it.")
    run_forever(chosen)


@app.command()
def topics() -> None:
    """Create every platform topic on KAFKA_BOOTSTRAP_SERVERS and list them."""
    from townhall.runtime.kafka import ensure_topics
    from townhall.runtime.settings import KafkaSettings
    from townhall.schemas.topics import all_topics

    settings = KafkaSettings(bootstrap_servers=config.bootstrap_servers(os.environ))
    created = set(asyncio.run(ensure_topics(settings)))
    table = Table(title=f"Topics on {settings.bootstrap_servers}", title_justify="left")
    for column in ("topic", "partitions", ""):
        table.add_column(column)
    for spec in all_topics(settings.topic_partitions):
        table.add_row(spec.name, str(spec.partitions), "created" if spec.name in created else "")
    console.print(table)


if __name__ == "__main__":
    app()
