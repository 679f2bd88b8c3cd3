"""`python -m townhall.identity [serve|create-admin|seed-demo|rotate-keys|add-service-client]`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Sequence

from townhall.identity.adapters.signing_keys import SigningKeys
from townhall.identity.bootstrap import bootstrap
from townhall.identity.config import IdentitySettings
from townhall.identity.domain.commands import CreateOfficer
from townhall.identity.domain.exceptions import IdentityError
from townhall.identity.entrypoints.api.app import MIGRATIONS, create
from townhall.identity.seed import seed_demo
from townhall.identity.service_layer.client_handlers import SCOPES, RegisterServiceClient
from townhall.identity.service_layer.messagebus import MessageBus
from townhall.runtime.outbox import EventContext
from townhall.runtime.service import ServiceRuntime, serve

PASSWORD_ENV = "IDENTITY_ADMIN_PASSWORD"
Command = Callable[
    [argparse.Namespace, MessageBus, ServiceRuntime, IdentitySettings], Awaitable[str]
]


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
    return parser


def _context(args: argparse.Namespace) -> EventContext:
    return EventContext(correlation_id=f"cli-{args.command}")


async def _create_admin(args: argparse.Namespace, bus: MessageBus, *_: object) -> str:
    password = os.environ.get(PASSWORD_ENV) or getpass.getpass("Password (12+ characters): ")
    if len(password) < 12:
        raise SystemExit("the password must have at least 12 characters")
    command = CreateOfficer(args.email, args.name, password, roles=(("admin", "special"),))
    return f"administrator {await bus.handle(command, _context(args))} created"


async def _seed(args: argparse.Namespace, bus: MessageBus, *_: object) -> str:
    return "demo officers: " + ", ".join(await seed_demo(bus))


async def _rotate(
    args: argparse.Namespace, bus: MessageBus, runtime: ServiceRuntime, settings: IdentitySettings
) -> str:
    keys = SigningKeys(
        runtime.sessions,
        settings.master_key(),
        token_ttl_s=settings.identity_access_token_ttl_s,
        grace_s=settings.identity_key_grace_s,
    )
    await keys.ensure()
    record = await keys.rotate()
    return f"key {record.kid} published; signs from {record.activates_at.isoformat()}"


async def _add_client(args: argparse.Namespace, bus: MessageBus, *_: object) -> str:
    command = RegisterServiceClient(args.client_id, tuple(args.scope))
    client = await bus.handle(command, _context(args))
    return f"client_id={client.client_id} client_secret={client.secret} (shown once)"


_COMMANDS: dict[str, Command] = {
    "create-admin": _create_admin,
    "seed-demo": _seed,
    "rotate-keys": _rotate,
    "add-service-client": _add_client,
}


async def _run(settings: IdentitySettings, args: argparse.Namespace) -> str:
    quiet = settings.model_copy(update={"relay_enabled": False})
    runtime = ServiceRuntime(quiet, migrations=MIGRATIONS)
    await runtime.start()
    try:
        assert runtime.outbox is not None
        bus = bootstrap(
            sessions=runtime.sessions, outbox=runtime.outbox, master_key=settings.master_key()
        )
        return await _COMMANDS[args.command](args, bus, runtime, settings)
    finally:
        await runtime.stop()


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
