"""Payments' domain errors mapped to problem responses, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from townhall.payments.domain import exceptions as ex
from townhall.runtime.problems import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    ProblemError,
    UnprocessableContent,
    problem_response,
)

PROBLEMS = "https://townhall.example/problems/"


def _field(loc: list[str | int], exc: Exception) -> dict[str, object]:
    return {"errors": [FieldError(loc=loc, msg=str(exc)).model_dump()]}


def to_problem(exc: ex.PaymentsError) -> ProblemError:
    match exc:
        case ex.CaseNotFoundError():
            return NotFound(str(exc), title="Case not found", type_=f"{PROBLEMS}case-not-found")
        case ex.PaymentNotFoundError():
            return NotFound(
                str(exc), title="Payment not found", type_=f"{PROBLEMS}payment-not-found"
            )
        case ex.NoFeeError():
            return UnprocessableContent(str(exc), title="No fee to pay", type_=f"{PROBLEMS}no-fee")
        case ex.WrongAmountError():
            return UnprocessableContent(
                str(exc),
                title="Wrong amount",
                type_=f"{PROBLEMS}wrong-amount",
                extensions={**_field(["body", "amount"], exc), "amount_due": exc.due},
            )
        case ex.IdempotencyKeyReusedError():
            return UnprocessableContent(
                str(exc), title="Idempotency-Key reused", type_=f"{PROBLEMS}idempotency-key-reused"
            )
        case ex.PaymentInProgressError():
            return Conflict(str(exc), title="Payment in progress", headers={"Retry-After": "1"})
        case ex.CaseNotPayableError() | ex.NotRefundableError() | ex.ConcurrentUpdateError():
            return Conflict(str(exc), title="Not possible now")
        case ex.RefundAmountAvailableMismatchError():
            return ProblemError(
                412,
                "Refund amount available mismatch",
                str(exc),
                type_=f"{PROBLEMS}refund-amount-available-mismatch",
                extensions={} if exc.available is None else {"amount_available": exc.available},
            )
        case ex.RefundTooLargeError():
            return UnprocessableContent(
                str(exc),
                title="Refund too large",
                extensions={**_field(["body", "amount"], exc), "amount_available": exc.available},
            )
        case ex.NotPermittedError():
            return Forbidden(str(exc))
        case ex.ProviderError():
            return ProblemError(
                502, "Payment provider error", str(exc), type_=f"{PROBLEMS}provider"
            )
    return ProblemError(400, "Request refused", str(exc))


async def _on_payments_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ex.PaymentsError)
    problem = to_problem(exc)
    return problem_response(problem.to_problem(request.url.path), problem.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ex.PaymentsError, _on_payments_error)
