"""``townhall dlq``: the dead letters each service keeps, shown and replayed.

``townhall dlq`` lists them per service and consumer group; ``townhall dlq show NAME``
prints one; ``townhall dlq replay NAME…`` or ``townhall dlq replay --all [--group G]``
puts them back through their group's consumer after a fix. A request that names no
such dead letter or group is refused before anything changes (exit 2).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from townhall.cli import config
from townhall.cli.dlq import (
    DlqError,
    Found,
    Store,
    find,
    open_stores,
    replay,
    summaries,
    waiting_in,
)
from townhall.cli.services import SERVICES
from townhall.runtime import dead_letters
from townhall.runtime.kafka import client_id, make_producer
from townhall.runtime.settings import KafkaSettings

T = TypeVar("T")

dlq_app = typer.Typer(
    help="Dead letters kept in each service's database: list, show, replay after a fix.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def console() -> Console:
    """Made per use, so it takes the terminal's width when the command runs."""
    return Console()


def errors() -> Console:
    return Console(stderr=True)


def _databases() -> dict[str, str]:
    env = os.environ
    return config.resolve_database_urls(env, SERVICES, config.resolve_var_dir(env))


def _run(work: Callable[[list[Store]], Awaitable[T]]) -> T:
    """Run ``work`` on the open stores; a refused request exits 2 with the reason."""

    async def main() -> T:
        async with open_stores(_databases()) as stores:
            return await work(stores)

    try:
        return asyncio.run(main())
    except (DlqError, config.ConfigError) as error:
        errors().print(f"[bold red]townhall dlq:[/bold red] {error}")
        raise typer.Exit(2) from error


@dlq_app.callback()
def dlq(ctx: typer.Context) -> None:
    """List dead letters per service and consumer group."""
    if ctx.invoked_subcommand is not None:
        return
    found = _run(summaries)
    table = Table(title="Dead letters", title_justify="left")
    for column in ("service", "group", "waiting", "replayed", "latest", "reason"):
        table.add_column(column, justify="right" if column in ("waiting", "replayed") else "left")
    for service, groups in found.items():
        for group in groups:
            latest = group.latest
            table.add_row(
                service,
                group.consumer_group,
                str(group.waiting),
                str(group.replayed),
                f"{service}:{latest.id} {latest.dead_lettered_at:%Y-%m-%d %H:%M:%S}"
                if latest
                else "-",
                latest.reason[:80] if latest else "",
            )
    console().print(table if table.row_count else "No dead letters.")


@dlq_app.command()
def show(name: Annotated[str, typer.Argument(help="<service>:<id>, or the id alone.")]) -> None:
    """Print one dead letter: where it came from, why, its headers and value."""

    async def work(stores: list[Store]) -> Found:
        return (await find(stores, name))[1]

    found = _run(work)
    letter = found.letter
    lines = [
        ("dead letter", found.name),
        ("group", letter.consumer_group),
        ("from", f"{letter.source_topic} partition {letter.source_partition}"),
        ("offset", str(letter.source_offset)),
        ("event id", letter.event_id or "-"),
        ("reason", letter.reason),
        ("dead-lettered at", letter.dead_lettered_at.isoformat()),
        ("replayed at", letter.replayed_at.isoformat() if letter.replayed_at else "-"),
        ("key", _text(letter.key)),
        *((f"header {header}", _text(value)) for header, value in letter.headers),
        ("value", _text(letter.value)),
    ]
    for label, value in lines:
        console().print(f"[bold]{label}:[/bold] {value}", highlight=False, markup=True)


def _text(value: bytes | None) -> str:
    if value is None:
        return "-"
    try:
        return value.decode()
    except UnicodeDecodeError:
        return f"({len(value)} bytes, not UTF-8) {value[:64]!r}"


@asynccontextmanager
async def _producer() -> AsyncIterator[dead_letters.Send]:
    settings = KafkaSettings(bootstrap_servers=config.bootstrap_servers(os.environ))
    producer = make_producer(settings, client_id("townhall-dlq-replay"))
    await producer.start()
    try:
        yield dead_letters.producer_send(producer)
    finally:
        await producer.stop()


@dlq_app.command("replay")
def replay_command(
    names: Annotated[list[str] | None, typer.Argument(help="Dead letters to replay.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Replay every waiting one.")] = False,
    group: Annotated[str | None, typer.Option(help="With --all: this group's only.")] = None,
) -> None:
    """Put dead letters back through their group's consumer, once each, after a fix."""
    if bool(names) == every or (group is not None and not every):
        errors().print("[bold red]townhall dlq replay:[/bold red] name dead letters, or give --all")
        raise typer.Exit(2)

    async def work(stores: list[Store]) -> list[Found]:
        if every:
            chosen = await waiting_in(stores, group)
        else:
            chosen = [await find(stores, name) for name in names or []]
        if not chosen:
            return []
        async with _producer() as send:
            return await replay(chosen, send)

    replayed = _run(work)
    for found in replayed:
        console().print(f"replayed {found.name} to {found.letter.source_topic}", highlight=False)
    if not replayed:
        console().print("Nothing to replay.")
