"""Who may attempt what on the booking service: the one declared table (see
:mod:`townhall.runtime.access`). Every route names its action.

The table admits a kind of caller at a level of assurance. What stays the service's own
check (``service_layer/permissions.py``): that a resident books for their own case (a
tracking token is enough for the one case it names), that an officer's roles cover the
case's service area or the contact centre (who book for anyone); a case the caller may
not book for is answered 404, as one booking does not know.

Service-client scopes: ``booking:read`` (availability and appointments of any case),
``booking:write`` (hold, confirm, cancel and move on a resident's behalf).
"""

from __future__ import annotations

from townhall.runtime.access import ACCOUNT, AccessTable, Rule

READ_SCOPE = "booking:read"
WRITE_SCOPE = "booking:write"


def _booking(summary: str, scope: str) -> Rule:
    return Rule(summary, residents=ACCOUNT, tracking=True, officers=True, scope=scope)


ACCESS = AccessTable(
    "booking",
    {
        "availability.read": _booking(
            "The free slots for a case: its resident (a tracking token for the case it "
            "names), officers of its area or the contact centre",
            READ_SCOPE,
        ),
        "appointment.read": _booking("A case's appointments: as availability", READ_SCOPE),
        "appointment.list_mine": Rule(
            "One's own appointments, of every request: a resident with an account",
            residents=ACCOUNT,
        ),
        "hold.create": _booking("Hold a slot for a case until it expires", WRITE_SCOPE),
        "appointment.confirm": _booking("Confirm a hold as the case's visit", WRITE_SCOPE),
        "appointment.cancel": _booking("Cancel a case's visit before the cut-off", WRITE_SCOPE),
        "appointment.reschedule": _booking(
            "Move a case's visit to another slot before the cut-off", WRITE_SCOPE
        ),
        "runsheet.read": Rule(
            "A resource's visits on a day: officers (of the visits' service areas)",
            officers=True,
        ),
        "visit.record": Rule(
            "Record how a visit went: officers of the case's service area", officers=True
        ),
    },
)
