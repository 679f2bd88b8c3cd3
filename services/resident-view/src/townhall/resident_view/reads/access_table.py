"""resident-view's access table: who may attempt each action, at which level of assurance.

Every route names its action (``ACCESS.require(...)``); the table decides from the
token alone whether this kind of caller, at this level, may try. What they then see is
:mod:`.policy`'s: whose history it is (a resident's own only), an officer's domain
roles and clearance, the resident's consent. The policy consults the table for the one
row that is no route of its own, ``timeline.sensitive``.

It lives on the read side, not beside the routes, because the policy reads it.

Levels (``townhall.runtime.access``): a tracking token (0) is good only for following
the one request its ``ref`` names, and only when that request is the token's
resident's own; an account (1) reads its own history except what is ``sensitive`` or
``special``; a verified resident (2) reads all of it. No service client reads anything
here: no row has a scope.
"""

from __future__ import annotations

from townhall.runtime.access import ACCOUNT, VERIFIED, AccessTable, Rule

TIMELINE = "timeline.read"
ENTRY = "timeline.entry"
SENSITIVE = "timeline.sensitive"
SEARCH = "residents.search"
TRACKING = "tracking.read"
ACCESS_LOG = "access_log.read"
AUDIT = "audit.read"
LOOKUPS = "audit.lookups"

ACCESS = AccessTable(
    "resident-view",
    {
        TIMELINE: Rule(
            "Read a resident's timeline: residents their own, officers as the policy allows",
            residents=ACCOUNT,
            officers=True,
        ),
        ENTRY: Rule(
            "Read one entry of a resident's timeline (as the timeline)",
            residents=ACCOUNT,
            officers=True,
        ),
        SENSITIVE: Rule(
            "See sensitive and special-category entries: residents of their own history "
            "once verified; officers by their roles' clearance (the policy)",
            residents=VERIFIED,
            officers=True,
        ),
        SEARCH: Rule("Find residents: officers with a domain role, audited", officers=True),
        TRACKING: Rule(
            "Follow one request by its reference: its resident (a tracking token for that "
            "request will do), officers as the policy allows",
            residents=ACCOUNT,
            tracking=True,
            officers=True,
        ),
        ACCESS_LOG: Rule("See who looked at one's own history", residents=ACCOUNT),
        AUDIT: Rule("Query the access audit: administrators (role admin)", officers=True),
        LOOKUPS: Rule("Query the look-up audit: administrators (role admin)", officers=True),
    },
)

__all__ = [
    "ACCESS",
    "ACCESS_LOG",
    "AUDIT",
    "ENTRY",
    "LOOKUPS",
    "SEARCH",
    "SENSITIVE",
    "TIMELINE",
    "TRACKING",
]
