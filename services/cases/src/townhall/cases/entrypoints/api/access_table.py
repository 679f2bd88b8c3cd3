"""Who may attempt what on the cases service: the one declared table (see
:mod:`townhall.runtime.access`). Every route, REST and Open311, names its action.

The table says whether a kind of caller, at a level of assurance, may attempt an
action. What stays the service's own check (``service_layer/permissions.py``): that a
resident acts on their own case, and that an officer's domain roles cover the case's
service area; a case the caller may not see is answered 404, whether it exists or not,
so references cannot be walked.

Service-client scopes: ``cases:read`` (read any case), ``cases:write`` (report on a
resident's behalf, naming their ``resident_id``).
"""

from __future__ import annotations

from townhall.runtime.access import ACCOUNT, TRACKING, AccessTable, Rule

READ_SCOPE = "cases:read"
WRITE_SCOPE = "cases:write"

ACCESS = AccessTable(
    "cases",
    {
        "catalogue.read": Rule(
            "Read the service catalogue", anonymous=True, officers=True, scope=READ_SCOPE
        ),
        "case.submit": Rule(
            "Report or apply for something: anyone; a resident's own request when signed "
            "in at any level; officers and service clients on a resident's behalf",
            anonymous=True,
            residents=TRACKING,
            officers=True,
            scope=WRITE_SCOPE,
        ),
        "case.read": Rule(
            "Read a request: its resident (a tracking token: status and public updates of "
            "the request it names), officers of its service area",
            residents=ACCOUNT,
            tracking=True,
            officers=True,
            scope=READ_SCOPE,
        ),
        "case.list_mine": Rule(
            "List one's own requests: a resident with an account (the requests matched to "
            "them that they have confirmed, of types their level may see)",
            residents=ACCOUNT,
        ),
        "case.transition": Rule(
            "Move a request on: officers of its service area; its resident may cancel it",
            residents=ACCOUNT,
            officers=True,
        ),
        "case.assign": Rule("Assign a request to a team: officers of its area", officers=True),
        "case.update": Rule("Post a public update: officers of its area", officers=True),
        "case.note": Rule("Add an internal note: officers of its area", officers=True),
        "case.evidence.add": Rule(
            "Add a file of evidence (JPEG, PNG or PDF): its resident (a tracking token: "
            "the request it names), officers of its area or of the contact centre",
            residents=ACCOUNT,
            tracking=True,
            officers=True,
        ),
        "case.evidence.read": Rule(
            "List and download a request's evidence: whoever may read the request",
            residents=ACCOUNT,
            tracking=True,
            officers=True,
            scope=READ_SCOPE,
        ),
        "case.confirm_reporter": Rule(
            "Confirm that a request reported in your name is yours: its resident, or an "
            "officer of its area on their behalf",
            residents=ACCOUNT,
            officers=True,
        ),
        "queue.read": Rule(
            "List and count the cases you may work: officers (their roles decide which "
            "cases: a clearance in a type's area at least its sensitivity)",
            officers=True,
        ),
        "contact.log": Rule("Log a contact with a resident: officers", officers=True),
        "open311.discover": Rule(
            "Open311 discovery, service list and definitions", anonymous=True, officers=True
        ),
        "open311.submit": Rule(
            "Open311: post a request (the council's api_key is Open311's own check)",
            anonymous=True,
        ),
        "open311.requests": Rule(
            "Open311: requests of public types, and with an api_key the status of others",
            anonymous=True,
            officers=True,
        ),
        "open311.token": Rule(
            "Open311: the request a batch token became", anonymous=True, officers=True
        ),
        "open311.updates": Rule(
            "Open311 (mySociety's extension): the updates feed (the api_key is Open311's "
            "own check)",
            anonymous=True,
            officers=True,
        ),
        "open311.post_update": Rule(
            "Open311 (mySociety's extension): post a comment as a public update (the "
            "api_key is Open311's own check)",
            anonymous=True,
        ),
    },
)
