"""One small function per command."""

from __future__ import annotations

import uuid

from townhall.identity.domain.commands import RegisterResident
from townhall.identity.domain.exceptions import DuplicateEmailError
from townhall.identity.domain.model import Resident
from townhall.identity.service_layer.unit_of_work import UnitOfWork


async def register_resident(command: RegisterResident, uow: UnitOfWork) -> uuid.UUID:
    async with uow:
        if command.email and await uow.residents.email_taken(command.email):
            raise DuplicateEmailError(command.email)
        resident = Resident.register(command)
        await uow.residents.add(resident)
        await uow.commit()
    return resident.id
