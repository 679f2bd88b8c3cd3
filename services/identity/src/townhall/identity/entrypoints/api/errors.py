"""Identity's domain errors mapped to problem responses, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from townhall.identity.adapters.linkage_matcher import MatchingNotReadyError
from townhall.identity.domain import exceptions as e
from townhall.runtime.problems import (
    Conflict,
    Forbidden,
    NotFound,
    ProblemError,
    ServiceUnavailable,
    Unauthorized,
    UnprocessableContent,
    problem_response,
)


def to_problem(exc: e.IdentityError) -> ProblemError:
    match exc:
        case e.DuplicateEmailError():
            return Conflict(str(exc), title="Already registered")
        case e.ContactPointTakenError():
            return Conflict(str(exc), title="Held by another resident")
        case (
            e.DuplicateIdentifierError()
            | e.RoleNotHeldError()
            | e.AlreadyExistsError()
            | e.RequestNamedAlreadyError()
        ):
            return Conflict(str(exc))
        case e.NotFoundError():
            return NotFound(str(exc))
        case e.ResidentErasedError():
            return ProblemError(410, "Gone", str(exc))
        case e.InvalidCredentialsError() | e.InvalidCodeError() | e.InvalidRefreshTokenError():
            return Unauthorized(str(exc), title="Not signed in")
        case e.TooManyAttemptsError():
            return ProblemError(
                429, "Too Many Requests", str(exc), headers={"Retry-After": str(exc.retry_after)}
            )
        case e.EmailNotVerifiedError():
            return Forbidden(str(exc), title="Email address not verified")
        case e.UnknownDomainError() | e.InvalidChangeError():
            return UnprocessableContent(str(exc))
    return ProblemError(400, "Request refused", str(exc))


async def _on_identity_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, e.IdentityError)
    problem = to_problem(exc)
    return problem_response(problem.to_problem(request.url.path), problem.headers)


async def _on_matching_not_ready(request: Request, exc: Exception) -> Response:
    """Matching is loading (a restart): say so and when to retry, rather than guess."""
    assert isinstance(exc, MatchingNotReadyError)
    problem = ServiceUnavailable(
        f"matching is not ready yet: {exc}", headers={"Retry-After": str(exc.retry_after)}
    )
    return problem_response(problem.to_problem(request.url.path), problem.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(e.IdentityError, _on_identity_error)
    app.add_exception_handler(MatchingNotReadyError, _on_matching_not_ready)
