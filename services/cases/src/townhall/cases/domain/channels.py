"""How a request reached the council. Channel shift (how many requests move online) and
failure demand are counted from the channel each case records, so it must say what
really happened: a request an officer raised came through the channel the resident
used to reach them, never ``online``.
"""

from __future__ import annotations

from townhall.cases.domain.contacts import CHANNELS

ONLINE = "online"
OPEN311 = "open311"
#: Channels an officer raises a request through on a resident's behalf (assisted digital).
ASSISTED = CHANNELS


def channels_for(kind: str) -> tuple[str, ...]:
    """The channels a caller of ``kind`` may record a request as coming through.

    Residents and anonymous reporters serve themselves (``online``); officers take the
    request from a resident (``ASSISTED``); a service client says what its own front end
    was (a webchat, a partner's site, Open311).
    """
    if kind == "officer":
        return ASSISTED
    if kind == "service":
        return (ONLINE, *ASSISTED, OPEN311)
    return (ONLINE,)
