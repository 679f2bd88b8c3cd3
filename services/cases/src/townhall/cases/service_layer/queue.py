"""The work queue's rules: whose cases an officer's queue may hold, and which filter
values mean something.

An officer's queue holds the cases of the service types they may work
(:func:`~townhall.cases.service_layer.permissions.may_work`: a clearance in the type's
domain at least its sensitivity), exactly as opening a case by its reference would
allow. The types are worked out here from the catalogue and the officer's roles; the
query then keeps only those types (``service_code IN (...)``), so a page is always
full and a count never includes a case the officer could not open.
"""

from __future__ import annotations

from townhall.cases.domain.catalogue import Catalogue
from townhall.cases.domain.commands import Actor
from townhall.cases.domain.exceptions import UnknownFilterValueError
from townhall.cases.domain.queue import QueueFilter
from townhall.cases.service_layer.permissions import may_work


def visible_types(actor: Actor, catalogue: Catalogue) -> frozenset[str]:
    """The service types whose cases ``actor`` may see in a queue."""
    return frozenset(t.code for t in catalogue if may_work(actor, t.domain, t.sensitivity))


def check_filter(wanted: QueueFilter, catalogue: Catalogue) -> None:
    """Refuse service types and areas the catalogue does not know (a typo would
    otherwise answer an empty queue that looks like no work)."""
    codes = {t.code for t in catalogue}
    domains = {t.domain for t in catalogue}
    for parameter, given, known in (
        ("service_code", wanted.service_codes, codes),
        ("domain", wanted.domains, domains),
    ):
        unknown = sorted(given - known)
        if unknown:
            raise UnknownFilterValueError(parameter, unknown[0], sorted(known))


def queue_types(actor: Actor, catalogue: Catalogue, wanted: QueueFilter) -> frozenset[str]:
    """The service types a queue lists: those ``actor`` may see, narrowed by the
    filter's types and areas (empty: the queue is empty)."""
    check_filter(wanted, catalogue)
    types = visible_types(actor, catalogue)
    if wanted.service_codes:
        types &= wanted.service_codes
    if wanted.domains:
        types &= {t.code for t in catalogue if t.domain in wanted.domains}
    return types
