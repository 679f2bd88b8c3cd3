"""Cases' domain errors mapped to problem responses, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from townhall.cases.domain import exceptions as ex
from townhall.runtime.data_keys import DataKeyUnavailableError
from townhall.runtime.problems import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    ProblemError,
    ServiceUnavailable,
    UnprocessableContent,
    problem_response,
)

PROBLEMS = "https://townhall.example/problems/"
#: When a write that must seal a resident's text may be tried again (seconds).
KEY_RETRY_AFTER_S = 5


def to_problem(exc: ex.CasesError) -> ProblemError:
    match exc:
        case ex.UnknownServiceTypeError():
            return UnprocessableContent(str(exc), title="Unknown service type")
        case ex.InvalidDetailsError():
            errors = [
                FieldError(loc=["details", *path.split(".")] if path else ["details"], msg=msg)
                for path, msg in exc.problems
            ]
            return UnprocessableContent(
                str(exc),
                title="Details do not fit the form",
                extensions={"errors": [e.model_dump() for e in errors]},
            )
        case ex.InvalidChannelError():
            field = FieldError(loc=["channel"], msg=str(exc))
            return UnprocessableContent(
                str(exc),
                title="Channel not allowed",
                extensions={"errors": [field.model_dump()], "allowed": list(exc.allowed)},
            )
        case ex.UnknownFilterValueError():
            field = FieldError(loc=["query", exc.parameter], msg=str(exc))
            return UnprocessableContent(
                str(exc), title="Unknown filter value", extensions={"errors": [field.model_dump()]}
            )
        case ex.MissingReporterError():
            return UnprocessableContent(str(exc), title="Who is reporting?")
        case ex.CaseNotFoundError():
            return NotFound(str(exc), title="Case not found", type_=f"{PROBLEMS}case-not-found")
        case ex.TransitionNotAllowedError():
            return Conflict(str(exc), title="Transition not allowed")
        case ex.NotAClaimError():
            return Conflict(str(exc), title="Not a claim")
        case ex.ResidentErasedError():
            return Conflict(str(exc), title="Resident erased")
        case ex.ConcurrentUpdateError():
            return Conflict(str(exc), title="Changed meanwhile")
        case ex.NotPermittedError():
            return Forbidden(str(exc))
        case ex.EvidenceNotFoundError():
            return NotFound(str(exc), title="Evidence not found")
        case ex.EvidenceRefusedError():
            return _evidence_refused(exc)
    return ProblemError(400, "Request refused", str(exc))


#: Each refusal of a file: its status and title.
_EVIDENCE = {
    "type": (415, "File type not accepted"),
    "too_large": (413, "File too large"),
    "empty": (422, "The file is empty"),
    "too_many": (409, "Too many files"),
    "closed": (409, "Request finished"),
    "form": (400, "Not one file"),
}


def _evidence_refused(exc: ex.EvidenceRefusedError) -> ProblemError:
    """A file refused: ``reason`` says why, for clients that word it themselves."""
    status, title = _EVIDENCE.get(exc.reason, (400, "File refused"))
    extensions: dict[str, object] = {"reason": exc.reason}
    match exc:
        case ex.EvidenceTypeError():
            extensions["accepted"] = list(exc.allowed)
        case ex.EvidenceTooLargeError():
            extensions["max_bytes"] = exc.limit_bytes
        case ex.TooMuchEvidenceError():
            extensions["max_files"] = exc.limit
    return ProblemError(
        status, title, str(exc), type_=f"{PROBLEMS}evidence-{exc.reason}", extensions=extensions
    )


async def _on_cases_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ex.CasesError)
    problem = to_problem(exc)
    return problem_response(problem.to_problem(request.url.path), problem.headers)


async def _on_key_unavailable(request: Request, exc: Exception) -> Response:
    """A resident's text could not be sealed (identity did not give their data key):
    nothing was written, and nothing is published in clear instead."""
    problem = ServiceUnavailable(
        "what was written about the resident cannot be sealed now; nothing was saved, "
        "try again shortly",
        type_=f"{PROBLEMS}data-key-unavailable",
        headers={"Retry-After": str(KEY_RETRY_AFTER_S)},
    )
    return problem_response(problem.to_problem(request.url.path), problem.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ex.CasesError, _on_cases_error)
    app.add_exception_handler(DataKeyUnavailableError, _on_key_unavailable)
