"""Whose case a caller may pay for, and whose payment they may refund.

The access table (``entrypoints/api/access_table.py``) decides whether a kind of caller
may attempt an action at all; this decides it for one case: a resident pays for their
own cases only (with a tracking token: the one request it names, so a reporter not yet
matched to a resident can pay too); an officer acts for cases of a service area they
hold a role in; a service client holding the scope, for any. A case the caller may not
act on is answered as one that does not exist, so references cannot be walked.
"""

from __future__ import annotations

from townhall.payments.domain.commands import Actor
from townhall.payments.domain.exceptions import CaseNotFoundError
from townhall.payments.domain.model import CaseFee


def may_act_on(actor: Actor, reference: str, resident_id: str | None, domain: str) -> bool:
    if actor.kind == "resident":
        if actor.tracking is not None:  # a tracking token: its one request, whoever's
            return actor.tracking == reference
        return resident_id is not None and resident_id == actor.subject
    if actor.kind == "officer":
        return domain in actor.domains
    return actor.kind == "service"


def check(actor: Actor, fee: CaseFee) -> None:
    resident = None if fee.resident_id is None else str(fee.resident_id)
    if not may_act_on(actor, fee.reference, resident, fee.domain):
        raise CaseNotFoundError(fee.reference)
