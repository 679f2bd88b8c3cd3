"""The duplicate pass's grey-zone pairs as review items an officer can decide.

A question names two residents: the one that would survive (the older) and the other,
which is shown as if it were an incoming record against the first, so the officer
workspace shows the two side by side with the evidence field by field, as it does for
a record: the value each holds, the engine's comparison level and how far it moved the
decision (``linkage_matcher.shown_candidate``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import asdict

from townhall.identity import linkage
from townhall.identity.adapters.linkage_matcher import record_of, shown_candidate
from townhall.identity.domain import commands
from townhall.identity.domain.model import Resident
from townhall.identity.linkage.duplicates import Duplicate
from townhall.identity.linkage.features import features_of
from townhall.identity.linkage.model import probability
from townhall.identity.service_layer.matching import FormerAddress, FormerName, IncomingRecord

#: Opens a duplicate review item (identity's command): its id, or None if not opened.
Ask = Callable[[commands.AskAboutDuplicate], Awaitable[uuid.UUID | None]]
#: The system a duplicate item's record names: identity itself (the reference is the
#: other resident's id).
SYSTEM = "identity"


def incoming_of(resident: Resident) -> IncomingRecord:
    """A resident as an incoming record: its current name, address and first contact
    points, its former family names and addresses."""
    name, at = resident.names[0], resident.addresses[0] if resident.addresses else None
    former = tuple(FormerName(n.family, n.since, n.until) for n in resident.names[1:]
                   if n.family.casefold() != name.family.casefold())  # fmt: skip
    contact = {p.kind: p.value for p in reversed(resident.contact_points)}
    return IncomingRecord(
        SYSTEM, str(resident.id), name.given or None, name.family,
        date_of_birth=resident.date_of_birth, email=contact.get("email"),
        phone=contact.get("phone"), postcode=at.postcode if at else None, title=name.title,
        initials=name.initials, middle_names=tuple((name.middle_names or "").split()),
        suffix=name.suffix, former_family_names=former, ni_number=resident.ni_number,
        flat=at.flat if at else None, house_name=at.house_name if at else None,
        house_number=at.house_number if at else None, address_line=at.line1 if at else None,
        town=at.town if at else None, uprn=at.uprn if at else None,
        previous_addresses=tuple(
            FormerAddress(a.flat, a.house_name, a.house_number, a.line1, a.town, a.postcode,
                          a.uprn, since=a.moved_in, until=a.moved_out)
            for a in resident.addresses[1:]
        ),
    )  # fmt: skip


def question(
    model: linkage.Model, survivor: Resident, other: Resident, found: float
) -> commands.AskAboutDuplicate | None:
    """The command that asks an officer about ``other`` against ``survivor`` (``found``:
    the pass's probability); None if either has nothing the engine compares."""
    theirs, ours = record_of(other), record_of(survivor)
    if theirs is None or ours is None:
        return None
    a, b = features_of(theirs), features_of(ours)
    comparisons = model.comparisons
    fields = tuple(
        linkage.FieldEvidence(t.comparison.name, t.comparison.labels[level], t.weights[level])
        for t, level in zip(comparisons, model.levels(a, b), strict=True)
    )
    weight = model.weight(a, b)
    engine = linkage.Candidate(str(survivor.id), probability(weight), found, weight, fields)
    record = incoming_of(other)
    shown = shown_candidate(record, survivor, engine)
    return commands.AskAboutDuplicate(
        survivor.id, other.id, found, record.to_json(), tuple(asdict(e) for e in shown.evidence)
    )


async def ask(
    found: Iterable[Duplicate],
    residents: Mapping[str, Resident],
    model: linkage.Model,
    open_: Ask,
) -> int:
    """Each question of ``found`` put to an officer through ``open_``: how many opened
    (a pair already waiting or rejected, or a resident gone meanwhile, opens none)."""
    opened = 0
    for duplicate in found:
        if duplicate.merge:
            continue
        survivor, other = residents[duplicate.survivor], residents[duplicate.other]
        command = question(model, survivor, other, duplicate.probability)
        if command is not None and await open_(command) is not None:
            opened += 1
    return opened
