"""A resident adds an email or phone to their own record by proving they receive
messages there: a one-time code goes to it, and the contact point is stored, verified,
only when the resident gives the code back.

Neither step tells whether the email or phone is another resident's. Asking answers a
code reference whatever holds the value; when another resident does, no code is sent,
the reference is fresh and never stored, and the value's owner is told instead, as
sign-up tells them (a person with two records learns why no code came and what to do;
anyone else learns nothing, and the owner learns someone tried). Confirming refuses a
never-stored reference, a wrong, used or expired code, another resident's code and a
value taken meanwhile all alike.

Officers add contact points directly (``handlers.add_contact_point``).
"""

from __future__ import annotations

from townhall.identity.domain import commands
from townhall.identity.domain.codes import VERIFY_CONTACT, OneTimeCode
from townhall.identity.domain.exceptions import (
    DuplicateIdentifierError,
    InvalidCodeError,
    ResidentErasedError,
)
from townhall.identity.domain.model import ContactPoint, Resident, normal_contact
from townhall.identity.service_layer.access_handlers import (
    Access,
    counting_wrong_codes,
    issue_code,
    limit_issuing,
    take_code,
    tell_owner,
)
from townhall.identity.service_layer.handlers import existing_resident, held_by_another
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock


async def request_contact_point(
    command: commands.RequestContactPoint, uow: UnitOfWork, access: Access, clock: Clock
) -> str:
    """Send a code to the contact point; return its reference (the same answer always).

    Nothing is stored on the record yet: the code holds the value until it comes back.
    A value already on the resident's record gets a code too, and confirming it marks
    it verified. Asking counts against the value's limit whoever holds it.
    """
    contact = ContactPoint(command.kind, normal_contact(command.kind, command.value))
    await limit_issuing(access, contact.kind, contact.value)
    async with uow:
        resident = await _resident(uow, command)
        if await held_by_another(uow, resident, contact.kind, contact.value):
            owner = await uow.residents.find_by_contact(contact.kind, contact.value)
            return await tell_owner(uow, owner, contact.kind, contact.value, "add_contact_point")
        stored = await issue_code(uow, access, resident, VERIFY_CONTACT, contact, clock())
        await uow.commit()
    return stored.reference


async def confirm_contact_point(
    command: commands.ConfirmContactPoint, uow: UnitOfWork, access: Access, clock: Clock
) -> None:
    """Store the contact point the code was sent to, verified (an email gives LoA 1).

    Only the resident the code was issued for can redeem it: anyone else's code, and
    a code of another purpose, is refused untouched, as an unknown one. If another
    resident has taken the value since the code was sent, the right code is refused
    like a wrong one: the resident proved they receive messages there, but saying so
    would tell them who holds it. A person who really controls a value registered to
    someone else has two records, or shares it: a case for officers, who can merge the
    records (or add the value where it belongs); the owner was told when they asked.
    """
    async with counting_wrong_codes(access, command.client_address), uow:
        resident = await _resident(uow, command)

        def theirs(code: OneTimeCode) -> bool:
            return code.purpose == VERIFY_CONTACT and code.resident_id == resident.id

        stored = await take_code(uow, access, command.reference, command.code, clock(), theirs)
        if await held_by_another(uow, resident, stored.kind, stored.destination):
            await uow.commit()  # the code is spent: it can never succeed now
            raise InvalidCodeError()
        resident.verify_contact(stored.kind, stored.destination)
        try:
            await uow.residents.save(resident)
        except DuplicateIdentifierError:  # the index on first emails: taken a moment ago
            raise InvalidCodeError() from None
        await uow.commit()


async def _resident(
    uow: UnitOfWork, command: commands.RequestContactPoint | commands.ConfirmContactPoint
) -> Resident:
    """The resident (merges followed: a code is the survivor's), refused if erased."""
    resident = await existing_resident(uow, command.resident_id)
    if resident.erased:
        raise ResidentErasedError()
    return resident
