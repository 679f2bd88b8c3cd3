"""Identity's domain errors mapped to problem responses, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from townhall.identity.domain.exceptions import DuplicateEmailError, IdentityError
from townhall.runtime.problems import Conflict, ProblemError, problem_response


def to_problem(exc: IdentityError) -> ProblemError:
    if isinstance(exc, DuplicateEmailError):
        return Conflict(str(exc), title="Already registered")
    return ProblemError(400, "Request refused", str(exc))


async def _on_identity_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IdentityError)
    problem = to_problem(exc)
    return problem_response(problem.to_problem(request.url.path), problem.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(IdentityError, _on_identity_error)
