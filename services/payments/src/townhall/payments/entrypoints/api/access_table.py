"""Who may attempt what on the payments service: the one declared table (see
:mod:`townhall.runtime.access`). Every route names its action.

What stays the service's own check (``service_layer/permissions.py``): that a resident
pays for their own case (with a tracking token too: its ``ref`` names the request, the
case must also be the token's subject's), and that an officer's roles cover the case's
service area; a case or payment the caller may not act on is answered 404, as one that
does not exist.
Reconciliation is for officers holding a role in the ``finance`` area.

Service-client scopes: ``payments:write`` (take a payment for a case), ``payments:read``
(read payments), ``payments:refund`` (refund), ``payments:reconcile`` (the day's report).
"""

from __future__ import annotations

from townhall.runtime.access import ACCOUNT, AccessTable, Rule

WRITE_SCOPE = "payments:write"
READ_SCOPE = "payments:read"
REFUND_SCOPE = "payments:refund"
RECONCILE_SCOPE = "payments:reconcile"
#: The service area whose officers may read the day's reconciliation.
FINANCE = "finance"

ACCESS = AccessTable(
    "payments",
    {
        "payment.create": Rule(
            "Pay a case's fee: its resident (a tracking token: for the request it names); "
            "officers of its area taking a payment on the resident's behalf",
            residents=ACCOUNT,
            tracking=True,
            officers=True,
            scope=WRITE_SCOPE,
        ),
        "payment.list": Rule(
            "The payments of a case: its resident (a tracking token: for the request it "
            "names), officers of its area",
            residents=ACCOUNT,
            tracking=True,
            officers=True,
            scope=READ_SCOPE,
        ),
        "case_payment.read": Rule(
            "One payment of a case, as it stands: its resident (a tracking token: for the "
            "request it names), officers of its area",
            residents=ACCOUNT,
            tracking=True,
            officers=True,
            scope=READ_SCOPE,
        ),
        "payment.list_mine": Rule(
            "One's own payments, of every request: a resident with an account",
            residents=ACCOUNT,
        ),
        "payment.read": Rule(
            "A payment: its resident, officers of its case's area",
            residents=ACCOUNT,
            officers=True,
            scope=READ_SCOPE,
        ),
        "payment.refund": Rule(
            "Refund (part of) a payment: officers of its case's area",
            officers=True,
            scope=REFUND_SCOPE,
        ),
        "reconciliation.read": Rule(
            "The day's payments and refunds against the provider's: finance officers",
            officers=True,
            scope=RECONCILE_SCOPE,
        ),
        "webhook.govuk_pay": Rule(
            "GOV.UK Pay's webhooks (Pay-Signature is their check)", anonymous=True
        ),
        "sandbox.card": Rule(
            "The sandbox's card page (its unguessable address is its check)", anonymous=True
        ),
    },
)
