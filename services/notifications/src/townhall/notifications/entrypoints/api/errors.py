"""The notifications service's domain errors mapped to problem responses, once."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from townhall.notifications.domain import exceptions as ex
from townhall.runtime.problems import NotFound, ProblemError, UnprocessableContent, problem_response

PROBLEMS = "https://townhall.example/problems/"


def to_problem(exc: ex.NotificationsError) -> ProblemError:
    match exc:
        case ex.UnknownNotificationError():
            return NotFound(
                "no notification has this reference",
                title="Unknown reference",
                type_=f"{PROBLEMS}unknown-notification",
            )
        case ex.InvalidPreferencesError():
            return UnprocessableContent(str(exc), title="Preferences refused")
    return ProblemError(400, "Request refused", str(exc))


async def _on_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ex.NotificationsError)
    problem = to_problem(exc)
    return problem_response(problem.to_problem(request.url.path), problem.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ex.NotificationsError, _on_error)
