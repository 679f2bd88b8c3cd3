"""One small function per resident command."""

from __future__ import annotations

import uuid
from dataclasses import replace

import structlog

from townhall.identity.domain import commands
from townhall.identity.domain.exceptions import (
    ContactPointTakenError,
    DuplicateEmailError,
    DuplicateIdentifierError,
    InvalidChangeError,
    NotFoundError,
)
from townhall.identity.domain.model import Resident, normal_contact
from townhall.identity.domain.sessions import RESIDENT
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock
from townhall.runtime.normal_forms import normalise_postcode

log = structlog.get_logger(__name__)


async def register_resident(command: commands.RegisterResident, uow: UnitOfWork) -> uuid.UUID:
    async with uow:
        if command.email and await uow.residents.email_taken(command.email):
            raise DuplicateEmailError(command.email)
        resident = Resident.register(command)
        await uow.residents.add(resident)
        await uow.commit()
    return resident.id


async def existing_resident(uow: UnitOfWork, resident_id: uuid.UUID) -> Resident:
    resident = await uow.residents.get(resident_id)
    if resident is None:
        raise NotFoundError("resident", resident_id)
    return resident


async def change_name(command: commands.ChangeName, uow: UnitOfWork) -> None:
    async with uow:
        resident = await existing_resident(uow, command.resident_id)
        resident.change_name(command.given_name, command.family_name, command.since)
        await uow.residents.save(resident)
        await uow.commit()


async def set_preferred_language(command: commands.SetPreferredLanguage, uow: UnitOfWork) -> None:
    async with uow:
        resident = await existing_resident(uow, command.resident_id)
        resident.set_language(command.language)
        await uow.residents.save(resident)
        await uow.commit()


async def move_resident(command: commands.MoveResident, uow: UnitOfWork) -> None:
    """Move a resident; the postcode is put in normal form here, before the domain sees it."""
    try:
        postcode = normalise_postcode(command.postcode)
    except ValueError as exc:
        raise InvalidChangeError(str(exc)) from exc
    async with uow:
        resident = await existing_resident(uow, command.resident_id)
        resident.move(replace(command, postcode=postcode))
        await uow.residents.save(resident)
        await uow.commit()


async def add_contact_point(command: commands.AddContactPoint, uow: UnitOfWork) -> None:
    """An officer adds a contact point as the resident gave it (assisted digital).

    An email another resident holds is refused with a conflict: an officer may look
    any resident up anyway, so the answer tells them nothing new, and an email belongs
    to one record (it signs them in; codes sent to it must reach one resident); two
    records of one person are merged instead. A phone may be on several records: a
    household's landline is each of its residents'. Residents add theirs through a code sent to it
    (``access_handlers.request_contact_point``), whose answer never says this.
    """
    async with uow:
        resident = await existing_resident(uow, command.resident_id)
        if await held_by_another(uow, resident, command.kind, command.value):
            raise ContactPointTakenError(command.kind)
        resident.add_contact_point(command.kind, command.value)
        await uow.residents.save(resident)
        await uow.commit()


#: Contact points that belong to one record. An email signs a resident in and receives
#: their codes; a phone is often a household's landline, on each of its residents' records.
ONE_RECORD_KINDS = frozenset({"email"})


async def held_by_another(uow: UnitOfWork, resident: Resident, kind: str, value: str) -> bool:
    """Whether a resident other than ``resident`` (merges followed) holds this contact,
    where it may belong to one record only (:data:`ONE_RECORD_KINDS`)."""
    if kind not in ONE_RECORD_KINDS:
        return False
    holder = await uow.residents.find_by_contact(kind, normal_contact(kind, value))
    return holder is not None and holder.id != resident.id


async def link_identifier(command: commands.LinkIdentifier, uow: UnitOfWork) -> None:
    async with uow:
        owner = await uow.residents.identifier_owner(command.system, command.value)
        if owner is not None and owner != command.resident_id:
            raise DuplicateIdentifierError(command.system)
        resident = await existing_resident(uow, command.resident_id)
        resident.link_identifier(command.system, command.value)
        await uow.residents.save(resident)
        await uow.commit()


async def raise_assurance(command: commands.RaiseAssurance, uow: UnitOfWork) -> None:
    async with uow:
        resident = await existing_resident(uow, command.resident_id)
        resident.raise_assurance(command.loa, command.evidence, command.officer_id)
        await uow.residents.save(resident)
        await uow.commit()


async def change_consent(command: commands.ChangeConsent, uow: UnitOfWork) -> None:
    async with uow:
        resident = await existing_resident(uow, command.resident_id)
        resident.change_consent(command.domain, command.granted)
        await uow.residents.save(resident)
        await uow.commit()


async def erase_resident(command: commands.EraseResident, uow: UnitOfWork, clock: Clock) -> None:
    """Destroy the personal data and the data keys in one transaction (crypto-shredding):
    the resident's, and those of every record merged into theirs; end their sessions.
    Their contact points are kept as keyed hashes with the erasure time, so a record
    observed before it cannot recreate them (``adapters.erasure_suppressions``). Review
    items naming any of them keep nothing personal: one waiting is closed
    (``ReviewItem.forget``)."""
    now = clock()
    erased: list[uuid.UUID] = []
    async with uow:
        survivor = await existing_resident(uow, command.resident_id)
        for resident in [survivor, *await uow.residents.merged_into(survivor.id)]:
            contacts = [(p.kind, p.value) for p in resident.contact_points]
            await uow.suppressions.add(contacts, now)
            resident.erase()
            await uow.residents.save(resident)
            await uow.data_keys.destroy(resident.id)
            await uow.codes.delete_for(resident.id)
            await uow.refresh_tokens.revoke_subject(RESIDENT, resident.id, now)
            erased.append(resident.id)
        for item in await uow.reviews.naming(erased):
            was = item.status
            item.forget(now)
            await uow.reviews.save(item)
            log.info("review_item_forgotten", review_id=str(item.id), was=was, now=item.status)
        await uow.commit()
