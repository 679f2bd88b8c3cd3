"""Commands of the Open311 API beyond a plain submission (standard library only).

mySociety's extension of GeoReport v2, as FixMyStreet speaks it: a request carries the
client's own attributes (``fixmystreet_id``, ``easting``/``northing``, ``title``,
``report_url``; ``address_id=#NOTPINPOINTED#`` when the reporter set no pin), and a
resident's comment on the client's site is posted back as an update on the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from townhall.cases.domain.commands import SubmitCase


@dataclass(frozen=True)
class ClientAttributes:
    """What the client said about the request beyond GeoReport v2's fields."""

    fixmystreet_id: str | None = None
    easting: float | None = None
    northing: float | None = None
    title: str | None = None
    report_url: str | None = None
    not_pinpointed: bool = False
    #: Media URLs the type's form has no place for (one with ``photos`` keeps them there).
    media_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubmitOpen311Request:
    """Submit ``case`` and keep what the client said about it, in one transaction."""

    case: SubmitCase
    attributes: ClientAttributes


@dataclass(frozen=True)
class PostOpen311Update:
    """A comment from the client's site (a resident's, on FixMyStreet) becomes a public
    update on the case. ``external_id`` is the client's id of it: posting it again
    answers the same update and changes nothing. The client's ``status`` is read, not
    obeyed: only the council's officers move a case."""

    reference: str
    text: str
    external_id: str | None
    media_urls: tuple[str, ...] = ()
    updated_at: datetime | None = None
