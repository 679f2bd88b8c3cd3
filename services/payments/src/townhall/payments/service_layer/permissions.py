"""Whose case a caller may pay for, and whose payment they may refund.

The access table (``entrypoints/api/access_table.py``) decides whether a kind of caller
may attempt an action at all; this decides it for one case: a resident pays for their
own cases only (with a tracking token: the one request it names, and only if it is
theirs: a ``ref`` claim alone proves only that someone read one message, so a request
not the token's subject's is answered 404 as to anyone else); an officer acts for cases
of a service area they hold a role in; a service client holding the scope, for any. A
case the caller may not act on is answered as one that does not exist, so references
cannot be walked.
"""

from __future__ import annotations

from townhall.payments.domain.commands import Actor
from townhall.payments.domain.exceptions import CaseNotFoundError
from townhall.payments.domain.model import CaseFee


def may_act_on(actor: Actor, reference: str, resident_id: str | None, domain: str) -> bool:
    if actor.kind == "resident":
        if actor.tracking is not None and actor.tracking != reference:
            return False  # a tracking token: its one request, and only the resident's own
        return resident_id is not None and resident_id == actor.subject
    if actor.kind == "officer":
        return domain in actor.domains
    return actor.kind == "service"


def check(actor: Actor, fee: CaseFee) -> None:
    resident = None if fee.resident_id is None else str(fee.resident_id)
    if not may_act_on(actor, fee.reference, resident, fee.domain):
        raise CaseNotFoundError(fee.reference)
