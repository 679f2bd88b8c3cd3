"""Finding the resident a case is about: a port onto identity's matcher.

:class:`townhall.cases.adapters.identity_matcher.HttpResidentMatcher` asks identity when
``IDENTITY_URL`` and the service client's credentials are configured; otherwise
:class:`NoMatcher` leaves the case with the details given and no resident id.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from townhall.cases.domain.commands import Location, Reporter


class ResidentMatcher(Protocol):
    async def match(
        self, reporter: Reporter, location: Location | None, reference: str
    ) -> uuid.UUID | None:
        """The resident these details belong to, if one is certain enough; else None.

        ``reference`` names the record in cases (the case id), so identity can link it.
        Never raises: a matcher that cannot answer returns None.
        """
        ...


class NoMatcher:
    async def match(
        self, reporter: Reporter, location: Location | None, reference: str
    ) -> uuid.UUID | None:
        return None
