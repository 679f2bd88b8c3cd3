"""Who may do what in notifications.

Residents read and set their own preferences with an account (``ACCOUNT``; the route
checks the resident is the token's subject); officers may do it on their behalf
(assisted digital). Delivery receipts come from GOV.UK Notify, which holds no Townhall
token: the route checks Notify's bearer token (``NOTIFY_CALLBACK_TOKEN``) itself. The
development mailbox is for this machine only, in development.
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
        "receipts.post": Rule(
            "A delivery receipt from GOV.UK Notify (its bearer token)", anonymous=True
        ),
        "dev.mailbox": Rule("Read the development mailbox (loopback, development)", anonymous=True),
    },
)
