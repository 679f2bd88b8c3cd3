"""FastAPI dependencies, as Annotated aliases (the only place Depends appears)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.payments.bootstrap import Payments
from townhall.payments.domain.commands import Actor
from townhall.payments.domain.visits import RefundRule
from townhall.payments.entrypoints.api.access_table import ACCESS
from townhall.payments.service_layer.unit_of_work import Bus as PaymentsBus
from townhall.runtime.access import tracking_reference
from townhall.runtime.auth import Principal
from townhall.runtime.clock import Clock
from townhall.runtime.outbox import EventContext
from townhall.runtime.web import Composition, event_context
from townhall.schemas.events.cases import CASE_REFERENCE_PATTERN

_composition = Composition(Payments)
install_services = _composition.install
services_of = _composition.of
ServicesDep = Annotated[Payments, Depends(_composition.dependency)]


async def _bus(services: ServicesDep) -> PaymentsBus:
    return services.bus


async def _session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    """A read-only session for the read side."""
    async with services.runtime.sessions() as session:
        yield session


def actor_of(principal: Principal | None) -> Actor:
    if principal is None:
        return Actor("anonymous", "anonymous")
    domains = frozenset(role.domain for role in principal.roles)
    return Actor(principal.subject, principal.kind, domains, tracking_reference(principal))


def _acting(action: str) -> Callable[..., Awaitable[Actor]]:
    return ACCESS.acting(action, actor_of)


CaseReference = Annotated[str, Path(pattern=CASE_REFERENCE_PATTERN, examples=["PC-2026-000123"])]
Bus = Annotated[PaymentsBus, Depends(_bus)]
Session = Annotated[AsyncSession, Depends(_session)]
Context = Annotated[EventContext, Depends(event_context)]


def _rules(services: ServicesDep) -> Mapping[str, RefundRule]:
    return services.rules


def _clock(services: ServicesDep) -> Clock:
    return services.clock


#: Each service type's refund when its visit is cancelled.
Rules = Annotated[Mapping[str, RefundRule], Depends(_rules)]
ClockDep = Annotated[Clock, Depends(_clock)]

CreatesPayment = Annotated[Actor, Depends(_acting("payment.create"))]
ListsPayments = Annotated[Actor, Depends(_acting("payment.list"))]
ListsOwnPayments = Annotated[Actor, Depends(_acting("payment.list_mine"))]
ReadsPayment = Annotated[Actor, Depends(_acting("payment.read"))]
ReadsCasePayment = Annotated[Actor, Depends(_acting("case_payment.read"))]
RefundsPayment = Annotated[Actor, Depends(_acting("payment.refund"))]
Reconciles = Annotated[Actor, Depends(_acting("reconciliation.read"))]
ReceivesWebhook = Annotated[Principal | None, Depends(ACCESS.require("webhook.govuk_pay"))]
UsesCardPage = Annotated[Principal | None, Depends(ACCESS.require("sandbox.card"))]
