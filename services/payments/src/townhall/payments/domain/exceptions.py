"""Payments' domain errors; the API maps them to problem responses in one place."""

from __future__ import annotations


class PaymentsError(Exception):
    """Base of every payments domain error."""


class CaseNotFoundError(PaymentsError):
    def __init__(self, reference: str):
        super().__init__(f"no case with reference {reference!r} is known to payments")
        self.reference = reference


class NoFeeError(PaymentsError):
    def __init__(self, reference: str):
        super().__init__(f"case {reference} has no fee to pay")


class CaseNotPayableError(PaymentsError):
    """The case cannot take a payment now (already paid, or closed)."""


class WrongAmountError(PaymentsError):
    def __init__(self, given: int, due: int):
        super().__init__(f"the amount due is {due} pence, not {given}: it is the case's fee")
        self.given = given
        self.due = due


class IdempotencyKeyReusedError(PaymentsError):
    def __init__(self, key: str):
        super().__init__(
            f"Idempotency-Key {key!r} was used already with a different request; "
            "use a new key for a new payment"
        )


class PaymentInProgressError(PaymentsError):
    """The same key's first request has not finished yet: retry shortly."""


class PaymentNotFoundError(PaymentsError):
    def __init__(self, payment: str):
        super().__init__(f"no payment {payment!r}")


class NotPermittedError(PaymentsError):
    """The caller may not do this to this case or payment."""


class NotRefundableError(PaymentsError):
    """The payment cannot be refunded (not paid, or nothing left)."""


class RefundAmountAvailableMismatchError(PaymentsError):
    """What the caller believed available is not what is: someone refunded meanwhile."""

    def __init__(self, given: int, available: int | None = None):
        known = "" if available is None else f" ({available} pence)"
        super().__init__(
            f"refund_amount_available {given} is not the amount available to refund{known}: "
            "check the payment and try again"
        )
        self.available = available


class RefundTooLargeError(PaymentsError):
    def __init__(self, amount: int, available: int):
        super().__init__(f"cannot refund {amount} pence: only {available} is available")
        self.available = available


class ProviderError(PaymentsError):
    """The payment provider could not be reached or refused the call."""


class ConcurrentUpdateError(PaymentsError):
    def __init__(self, payment: str):
        super().__init__(f"payment {payment} was changed meanwhile; try again")
