"""OpenAPI documents that say what the API really answers.

Errors are RFC 9457 problems served as ``application/problem+json``
(:mod:`townhall.runtime.problems`); FastAPI documents them as ``application/json`` with
its own validation-error schema. :func:`document_problems` rewrites the document
``create_app`` serves so that every error response is a problem, every operation
guarded by an :class:`~townhall.runtime.access.AccessTable` rule lists 401 and 403 and
shows its rule (``x-townhall-access``), every operation that reads a bearer token lists
401, and every operation that takes a body lists 400 (not JSON) and 413 (too large).
Routes declare the other errors they raise with :func:`problems`::

    @router.get("/cases/{reference}", responses=problems(404))
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant

from townhall.runtime.access import action_of
from townhall.runtime.access import operations as api_operations
from townhall.runtime.problems import PROBLEM_MEDIA_TYPE, Problem

__all__ = ["document_problems", "problems"]

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_DESCRIPTIONS = {
    400: "The request is malformed (e.g. a body that is not JSON)",
    401: "No acceptable bearer token",
    403: "The caller may not do this",
    404: "Not found, or not yours to see",
    409: "Conflicts with the current state",
    413: "The request body is larger than this service accepts",
    422: "The request is invalid; `errors` names each field",
    429: "Too many requests; `Retry-After` says when to try again",
    503: "A dependency is unavailable",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route that may answer these problem statuses."""
    return {status: _problem_response(status) for status in statuses}


def _problem_response(status: int) -> dict[str, Any]:
    description = _DESCRIPTIONS.get(status) or HTTPStatus(status).phrase
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}}


def _dependencies(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _dependencies(sub)


def _access_rules(app: FastAPI) -> dict[tuple[str, str], dict[str, Any]]:
    rules: dict[tuple[str, str], dict[str, Any]] = {}
    for route in api_operations(app):
        if not route.documented:
            continue
        for call in _dependencies(route.dependant):
            found = action_of(call)
            if found is not None:
                table, action = found
                for method in route.methods:
                    rules[(route.path, method.lower())] = table.describe(action)
    return rules


def _as_problems(responses: dict[str, Any]) -> None:
    """Every error documented as FastAPI does (``application/json``, or nothing) becomes a
    problem. One a route documented in media types of its own (an API with its own error
    format, such as Open311's JSON and XML lists) is left as the route says."""
    for status, response in responses.items():
        if not status.isdigit() or int(status) < 400:
            continue
        if set(response.get("content", {})) - {"application/json"}:
            continue
        response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}
        if int(status) == 422:
            response["description"] = _DESCRIPTIONS[422]


def document_problems(app: FastAPI) -> None:
    """Make ``app.openapi()`` document problems, access rules and body limits."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        rules = _access_rules(app)
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schemas["Problem"].pop("$defs", {}))
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                rule = rules.get((path, method))
                if rule is not None:
                    operation["x-townhall-access"] = rule
                    responses.setdefault("403", _problem_response(403))
                if rule is not None or operation.get("security"):
                    responses.setdefault("401", _problem_response(401))
                if "requestBody" in operation:
                    responses.setdefault("400", _problem_response(400))
                    responses.setdefault("413", _problem_response(413))
                _as_problems(responses)
        for unused in ("HTTPValidationError", "ValidationError"):
            if f"#/components/schemas/{unused}" not in json.dumps(document):
                schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
