"""`python -m townhall.identity [serve|create-admin|seed-demo|rotate-keys|add-service-client|
rewrap-keys|retrain|find-duplicates]`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Sequence

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from townhall.identity.adapters.linkage_upkeep import retrain_population
from townhall.identity.adapters.master_keys import key_id
from townhall.identity.adapters.rewrap import Rewrap
from townhall.identity.bootstrap import Identity, bootstrap
from townhall.identity.config import IdentitySettings
from townhall.identity.domain.commands import CreateOfficer
from townhall.identity.domain.exceptions import IdentityError
from townhall.identity.entrypoints.api.app import create
from townhall.identity.seed import seed_demo
from townhall.identity.service_layer.client_handlers import SCOPES, RegisterServiceClient
from townhall.runtime.crypto import decode_key
from townhall.runtime.outbox import EventContext
from townhall.runtime.service import serve

PASSWORD_ENV = "IDENTITY_ADMIN_PASSWORD"
Command = Callable[[argparse.Namespace, Identity], Awaitable[str]]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m townhall.identity")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the service (the default)")
    admin = commands.add_parser("create-admin", help="create the first administrator")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="Administrator")
    commands.add_parser("seed-demo", help="create synthetic demo officers and residents")
    commands.add_parser("rotate-keys", help="publish a new signing key (signs after the grace)")
    client = commands.add_parser("add-service-client", help="register a service; prints its secret")
    client.add_argument("--client-id", required=True)
    client.add_argument("--scope", action="append", choices=sorted(SCOPES), required=True)
    rewrap = commands.add_parser(
        "rewrap-keys",
        help="re-encrypt every wrapped key under the current master key (resumable)",
    )
    rewrap.add_argument(
        "--new-key-env",
        metavar="NAME",
        help="rewrap under the key in this environment variable instead of the current one",
    )
    rewrap.add_argument("--batch-size", type=int, default=500)
    commands.add_parser(
        "retrain",
        help="train the matching model on the residents now and store it "
        "(running identity processes switch to it)",
    )
    commands.add_parser(
        "find-duplicates",
        help="re-score the residents against each other now and merge those that are one "
        "person (the background pass, once)",
    )
    return parser


def _context(args: argparse.Namespace) -> EventContext:
    return EventContext(correlation_id=f"cli-{args.command}")


async def _create_admin(args: argparse.Namespace, identity: Identity) -> str:
    password = os.environ.get(PASSWORD_ENV) or getpass.getpass("Password (12+ characters): ")
    if len(password) < 12:
        raise SystemExit("the password must have at least 12 characters")
    command = CreateOfficer(args.email, args.name, password, roles=(("admin", "special"),))
    return f"administrator {await identity.bus.handle(command, _context(args))} created"


async def _seed(args: argparse.Namespace, identity: Identity) -> str:
    return "demo officers: " + ", ".join(await seed_demo(identity.bus))


async def _rotate(args: argparse.Namespace, identity: Identity) -> str:
    await identity.signing_keys.ensure()
    record = await identity.signing_keys.rotate()
    return f"key {record.kid} published; signs from {record.activates_at.isoformat()}"


async def _add_client(args: argparse.Namespace, identity: Identity) -> str:
    command = RegisterServiceClient(args.client_id, tuple(args.scope))
    client = await identity.bus.handle(command, _context(args))
    return f"client_id={client.client_id} client_secret={client.secret} (shown once)"


def _target_key(args: argparse.Namespace, settings: IdentitySettings) -> bytes:
    if not args.new_key_env:
        return settings.master_keys().current
    text = os.environ.get(args.new_key_env)
    if not text:
        raise SystemExit(f"error: the environment variable {args.new_key_env} is not set")
    try:
        return decode_key(text)
    except ValueError as exc:
        raise SystemExit(f"error: {args.new_key_env}: {exc}") from exc


async def _rewrap(args: argparse.Namespace, identity: Identity) -> str:
    target = _target_key(args, identity.settings)
    sessions, master_keys = identity.runtime.sessions, identity.master_keys
    rewrap = Rewrap(sessions, master_keys, target, batch_size=args.batch_size)
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task("rewrapping keys", total=None)
        done = await rewrap.run(lambda n, total: bar.update(task, completed=n, total=total))
    return f"{done} wrapped keys moved; every wrapped key is under master key {key_id(target)}"


async def _retrain(args: argparse.Namespace, identity: Identity) -> str:
    settings = identity.settings
    stored = await retrain_population(
        identity.runtime.sessions, min_population=settings.identity_linkage_min_population
    )
    if stored is None:
        return (
            f"fewer than {settings.identity_linkage_min_population:,} residents to train on "
            "(IDENTITY_LINKAGE_MIN_POPULATION): the stored model stays"
        )
    every = settings.identity_linkage_poll_models_every_s
    return f"model {stored.describe()} stored; identity processes serve it within {every:g} s"


async def _find_duplicates(args: argparse.Namespace, identity: Identity) -> str:
    if identity.duplicates is None:
        return "matching is not the linkage engine (IDENTITY_MATCHER): nothing to do"
    report = await identity.duplicates.run()
    return (
        f"{report.residents:,} residents re-scored in {report.seconds:.1f} s: "
        f"{report.merged} merged, {report.questions} pairs uncertain "
        f"({report.asked} new review items), "
        f"{report.refused} changed meanwhile (looked at again next time)"
    )


_COMMANDS: dict[str, Command] = {
    "create-admin": _create_admin,
    "seed-demo": _seed,
    "rotate-keys": _rotate,
    "add-service-client": _add_client,
    "rewrap-keys": _rewrap,
    "retrain": _retrain,
    "find-duplicates": _find_duplicates,
}


async def _run(settings: IdentitySettings, args: argparse.Namespace) -> str:
    identity = bootstrap(settings.model_copy(update={"relay_enabled": False}))
    await identity.runtime.start()
    try:
        return await _COMMANDS[args.command](args, identity)
    finally:
        await identity.runtime.stop()


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = IdentitySettings()
    if args.command in (None, "serve"):
        serve(create(settings), settings)
        return
    try:
        print(asyncio.run(_run(settings, args)))
    except IdentityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc
