"""FastAPI dependencies, as Annotated aliases (the only place Depends appears)."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import AsyncIterator
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.notifications.bootstrap import Notifications
from townhall.notifications.entrypoints.api.access_table import ACCESS
from townhall.notifications.service_layer.unit_of_work import Bus as NotificationsBus
from townhall.runtime.access import AccessDeniedError
from townhall.runtime.auth import Principal
from townhall.runtime.outbox import EventContext
from townhall.runtime.problems import NotFound, Unauthorized
from townhall.runtime.web import Composition, client_address, event_context

_composition = Composition(Notifications)
install_services = _composition.install
services_of = _composition.of
ServicesDep = Annotated[Notifications, Depends(_composition.dependency)]
_notify_bearer = HTTPBearer(auto_error=False)
#: Officers with a role in one of these domains set preferences for a resident.
OFFICER_DOMAINS = frozenset({"contact_centre", "admin"})


async def _bus(services: ServicesDep) -> NotificationsBus:
    return services.bus


async def _session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    async with services.runtime.sessions() as session:
        yield session


def _own(action: str):  # type: ignore[no-untyped-def]
    """The resident the path names, if the caller is them (or an officer)."""
    allowed = ACCESS.require(action)

    async def resident(resident_id: UUID, principal: Principal | None = Depends(allowed)) -> UUID:  # noqa: B008
        if (
            principal is not None
            and principal.kind == "resident"
            and principal.subject != str(resident_id)
        ):
            raise AccessDeniedError("residents manage their own preferences only")
        return resident_id

    return resident


async def _notify(
    services: ServicesDep,
    credentials: HTTPAuthorizationCredentials | None = Depends(_notify_bearer),  # noqa: B008
) -> None:
    """Notify's callback bearer token, compared in constant time."""
    expected = services.settings.notify_callback_token
    given = credentials.credentials if credentials else ""
    if expected is None or not hmac.compare_digest(
        given.encode(), expected.get_secret_value().encode()
    ):
        raise Unauthorized("a valid callback bearer token is needed")


async def _loopback(request: Request, services: ServicesDep) -> None:
    """Only in development, only to a client on this machine; others: nothing here."""
    try:
        local = ipaddress.ip_address(client_address(request)).is_loopback
    except ValueError:
        local = False
    if not (local and services.settings.development and services.settings.sender == "mailbox"):
        raise NotFound("no such page")


Bus = Annotated[NotificationsBus, Depends(_bus)]
Session = Annotated[AsyncSession, Depends(_session)]
Context = Annotated[EventContext, Depends(event_context)]
ReadsPreferences = Annotated[UUID, Depends(_own("preferences.read"))]
ChangesPreferences = Annotated[UUID, Depends(_own("preferences.change"))]
FromNotify = Annotated[None, Depends(_notify)]
OnThisMachine = Annotated[None, Depends(_loopback)]
