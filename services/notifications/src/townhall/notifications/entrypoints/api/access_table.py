"""Who may do what in notifications.

Residents read and set their own preferences with an account (``ACCOUNT``; the route
checks the resident is the token's subject); officers may do it on their behalf
(assisted digital). The development mailbox is for this machine only, in development.

Not in the table: ``POST /notify/receipts``. Its caller is GOV.UK Notify, which holds
no Townhall token but the bearer token the council set in Notify for callbacks
(``NOTIFY_CALLBACK_TOKEN``); the route checks that one, in constant time, and refuses
(401) everything else, Townhall tokens included.
"""

from __future__ import annotations

from townhall.runtime.access import ACCOUNT, AccessTable, Rule

ACCESS = AccessTable(
    "notifications",
    {
        "preferences.read": Rule(
            "Read a resident's contact preferences", residents=ACCOUNT, officers=True
        ),
        "preferences.change": Rule(
            "Choose channels, language and non-essential messages", residents=ACCOUNT, officers=True
        ),
        "dev.mailbox": Rule("Read the development mailbox (loopback, development)", anonymous=True),
    },
)
