"""Finding the resident a case is about: a port onto identity's matcher.

:class:`townhall.cases.adapters.identity_matcher.HttpResidentMatcher` asks identity when
``IDENTITY_URL`` and the service client's credentials are configured; otherwise
:class:`NoMatcher` leaves the case with the details given and no resident id.

Identity answers :data:`ERASED` when the details were an erased resident's and the
case was submitted before the erasure (a match that waited while identity was away):
the case is blanked as any case of an erased resident, and never asked about again.

Identity may not be able to answer (restarting, unreachable, overloaded): the matcher
then raises :class:`MatchUnavailableError`, the case is recorded without a resident
and asked about again later (:func:`retry_delay`), durably, from cases' own table.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from townhall.cases.domain.commands import Location, Reporter

#: The first retry, and the longest wait between two: identity restarting takes
#: seconds, an outage longer; a case is never given up on.
FIRST_RETRY = timedelta(seconds=2)
LONGEST_WAIT = timedelta(minutes=10)


class MatchUnavailableError(Exception):
    """Identity could not say whose these details are now; ask again later."""


@dataclass(frozen=True)
class Erased:
    """The details were those of a resident erased after the case was submitted."""


ERASED = Erased()

#: A resident, :data:`ERASED`, or nobody identity is certain of (None).
Match = uuid.UUID | Erased | None


class ResidentMatcher(Protocol):
    async def match(
        self,
        reporter: Reporter,
        location: Location | None,
        reference: str,
        *,
        observed_at: datetime | None = None,
    ) -> Match:
        """The resident these details belong to, if one is certain enough; :data:`ERASED`
        if they were a resident's erased at or after ``observed_at`` (the case's
        submission); else None.

        ``reference`` names the record in cases (the case id), so identity can link it;
        asking again with the same reference links the same record.
        Raises :class:`MatchUnavailableError` when it cannot answer now.
        """
        ...


class NoMatcher:
    async def match(
        self,
        reporter: Reporter,
        location: Location | None,
        reference: str,
        *,
        observed_at: datetime | None = None,
    ) -> Match:
        return None


def retry_delay(
    attempts: int, *, first: timedelta = FIRST_RETRY, longest: timedelta = LONGEST_WAIT
) -> timedelta:
    """How long to wait after ``attempts`` unanswered asks: doubling, capped."""
    doubled: timedelta = first * (2 ** min(attempts, 20))
    return min(doubled, longest)
