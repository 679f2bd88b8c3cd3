"""Who may do what in identity: every route's action, its callers and their level.

The table says which kind of caller, at which level of assurance (see
:mod:`townhall.runtime.access`), may *attempt* an action. Identity then checks, in
``dependencies.py``, what the table cannot know:

* a resident acts only on their own record (``resident_id`` is the token's subject);
* an officer needs one of the roles :data:`OFFICER_ROLES` names for the action: a role
  in ``admin``, ``identity`` or ``contact_centre`` (:data:`RECORD_DOMAINS`) for
  residents' records, ``admin`` for officers, service clients, signing keys, erasure
  and retraining the matching model;
* an officer's look-ups of residents' data (:data:`LOOKUPS`) are limited per officer.

Residents: a tracking-code token (level 0) is good for one request on the services that
hold requests; here it is good for nothing beyond what anyone may do, except that the
token of a code to report names, once, the request made with it (``auth.name_request``,
see the README). Reading and
changing one's own record needs an account with a verified email (``ACCOUNT``); a
contact point a resident adds is stored once they confirm the code sent to it, which
only they can (officers add contact points directly); erasing it, which cannot be
undone, needs identity checked (``VERIFIED``). Sign-in, sign-up, tracking codes and the
key set are open to anyone (``anonymous``).
"""

from __future__ import annotations

from townhall.identity.domain.officers import ADMIN
from townhall.runtime.access import ACCOUNT, TRACKING, VERIFIED, AccessTable, Rule

#: Officers with a role in these domains may read and change any resident's record.
RECORD_DOMAINS = frozenset({ADMIN, "identity", "contact_centre"})
#: A service that reads residents' data keys (to open sealed personal data).
PII_READ = "pii:read"
#: A service that submits records to match, and so may register a resident too.
MATCH = "residents:match"

_OPEN = {
    "keys.jwks": "Read the public signing keys (JWKS)",
    "auth.officer_token": "Sign an officer in with email and password",
    "auth.service_token": "Get a service token with client credentials",
    "auth.refresh": "Exchange a refresh token for new tokens",
    "auth.logout": "End the session a refresh token belongs to",
}
_RESIDENTS_OPEN = {
    "auth.tracking": "Ask for a one-time code to report without an account or follow a request",
    "auth.redeem_code": "Redeem a one-time code for a token",
    "account.sign_up": "Create an account (its email is verified with a code)",
    "auth.resident_token": "Sign a resident in with email and password",
}
_OWN_RECORD = {
    "resident.read": "Read a resident's record",
    "resident.change_name": "Change a resident's name",
    "resident.set_language": "Set a resident's preferred language",
    "resident.move": "Record a resident's new address",
    "resident.add_contact_point": "Add an email or phone (a resident confirms theirs by code)",
    "consent.read": "Read the services a resident shares their history with",
    "consent.change": "Grant or withdraw consent to share with a service",
}
_RECORD_OFFICERS = {
    "resident.link_identifier": "Link a legacy system's identifier to a resident",
    "resident.raise_assurance": "Raise a resident's level of assurance on evidence",
    "review.list": "List the matching review queue",
    "review.decide": "Accept or reject a proposed match",
    "resident.links": "Read the source records linked to a resident and the evidence",
    "resident.merge": "Merge two records of one resident",
    "resident.unmerge": "Undo a merge",
}
_ADMINISTRATORS = {
    "officer.create": "Create an officer account",
    "officer.read": "Read an officer and their roles",
    "officer.grant_role": "Grant an officer a role",
    "officer.revoke_role": "Revoke an officer's role",
    "officer.revoke_sessions": "End every session of an officer",
    "keys.rotate": "Rotate the token signing key",
    "service_client.register": "Register a service client",
    "linkage.retrain": "Retrain the matching model on the residents, in the background",
}

ACCESS = AccessTable(
    "identity",
    {
        **{action: Rule(s, anonymous=True, officers=True) for action, s in _OPEN.items()},
        **{action: Rule(s, anonymous=True) for action, s in _RESIDENTS_OPEN.items()},
        **{action: Rule(s, residents=ACCOUNT, officers=True) for action, s in _OWN_RECORD.items()},
        **{action: Rule(s, officers=True) for action, s in _RECORD_OFFICERS.items()},
        **{action: Rule(s, officers=True) for action, s in _ADMINISTRATORS.items()},
        "resident.register": Rule(
            "Register a resident (officers, or services that match records)",
            officers=True,
            scope=MATCH,
        ),
        "resident.verify_contact_point": Rule(
            "Confirm an email address or phone number with the code sent to it",
            residents=ACCOUNT,
        ),
        "resident.erase": Rule(
            "Erase a resident's personal data (crypto-shredding)",
            residents=VERIFIED,
            officers=True,
        ),
        "auth.name_request": Rule(
            "Name the request just made with a code to report: a token for that request",
            residents=TRACKING,
        ),
        "resident.data_key": Rule("Read a resident's data key", scope=PII_READ),
        "record.match": Rule("Submit a record to match to a resident", officers=True, scope=MATCH),
        "record.outcome": Rule(
            "Read what an officer decided about a record sent for review (no personal data)",
            officers=True,
            scope=MATCH,
        ),
    },
)

#: The roles an officer needs besides the table (any one of them), per action.
OFFICER_ROLES: dict[str, frozenset[str]] = {
    **dict.fromkeys(_ADMINISTRATORS, frozenset({ADMIN})),
    **dict.fromkeys(
        (*_OWN_RECORD, *_RECORD_OFFICERS, "resident.register", "record.match", "record.outcome"),
        RECORD_DOMAINS,
    ),
    "resident.erase": frozenset({ADMIN}),
}
#: Look-ups of residents' data: limited per officer (``identity_officer_lookup_limit``).
LOOKUPS = frozenset(
    {"resident.read", "consent.read", "review.list", "record.match", "resident.links"}
)
