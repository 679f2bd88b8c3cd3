"""Logging contacts (assisted digital) and flagging failure demand.

Who logs: officers of the case's area, and contact-centre officers against any case
(at any clearance: a contact records that the resident got in touch, why and with what
outcome, never what the case holds). The officer's right is checked before anything
about the case is answered, so a refusal tells nothing about whose case it is.
"""

from __future__ import annotations

import uuid

from townhall.cases.domain import commands
from townhall.cases.domain.contacts import CONTACT_DOMAIN, CaseRef, Contact
from townhall.cases.domain.exceptions import NotPermittedError
from townhall.cases.service_layer.handlers import load
from townhall.cases.service_layer.permissions import actor_label, may_work, takes_contacts
from townhall.cases.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock


def _check_officer(actor: commands.Actor, domain: str, sensitivity: str) -> None:
    if not (may_work(actor, domain, sensitivity) or takes_contacts(actor)):
        raise NotPermittedError(
            f"logging this contact needs an officer role in {domain} or {CONTACT_DOMAIN}"
        )


async def log_contact(cmd: commands.LogContact, uow: UnitOfWork, *, clock: Clock) -> uuid.UUID:
    async with uow:
        ref: CaseRef | None = None
        if cmd.case_reference:
            case = await load(uow, cmd.case_reference)
            kind = case.service_type
            _check_officer(cmd.actor, kind.domain, kind.sensitivity)
            if case.resident_id is not None and case.resident_id != cmd.resident_id:
                raise NotPermittedError("the case belongs to a different resident")
            ref = CaseRef(case.id, case.reference, kind.domain, kind.sensitivity, case.is_open)
        else:
            _check_officer(cmd.actor, CONTACT_DOMAIN, "personal")
        contact = Contact.log(
            resident_id=cmd.resident_id,
            channel=cmd.channel,
            reason=cmd.reason,
            outcome=cmd.outcome,
            duration_seconds=cmd.duration_seconds,
            officer=actor_label(cmd.actor),
            now=clock(),
            case=ref,
        )
        await uow.contacts.add(contact)
        await uow.commit()
    return contact.id
