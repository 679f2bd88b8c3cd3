"""Every service answers what its OpenAPI document says, whatever it is sent.

Schemathesis generates requests from each service's published document, valid ones
and invalid ones, and sends them to the services running as `make run` starts them
(real processes, the embedded broker), as an anonymous caller, a resident and officers.
It fails on any server error, any status code the operation does not document, and
any response whose body or media type does not match the document.

Bounded: a fixed number of examples per operation, derandomized so that a run is
repeatable; the whole test takes about a minute.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.demo_clients import code_sent
from townhall.cli.launcher import Platform
from townhall.identity.seed import DEMO_PASSWORD

#: Examples per operation and generation mode (valid, then invalid input).
EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
OFFICERS = {
    "contact centre officer": "demo.contact@example.org",
    "pest control officer": "demo.pest@example.org",
    "administrator": "demo.admin@example.org",
}
RESIDENT_EMAIL = "fuzz.resident@example.org"
pytestmark = pytest.mark.last_on_demo_platform


@pytest.fixture
def platform(demo_platform: Platform) -> Platform:
    """`make run`'s platform, shared with the other end-to-end tests; the fuzzer runs
    after them (it fills the platform with whatever it generated)."""
    return demo_platform


def _officer_token(identity: str, email: str) -> str:
    body = {"email": email, "password": DEMO_PASSWORD}
    response = httpx.post(f"{identity}/auth/officer-token", json=body, timeout=15)
    response.raise_for_status()
    return str(response.json()["access_token"])


def _resident_token(identity: str, notifications: str, *, account: bool) -> str:
    """A resident's token: with an account (a verified email, level 1), or from a
    tracking code (level 0), the code read from notifications' development mailbox."""
    email = f"account.{RESIDENT_EMAIL}" if account else RESIDENT_EMAIL
    body = {"given_name": "Fuzz", "family_name": "Resident", "email": email}
    if account:
        body["password"] = "a long passphrase for fuzzing"
    path = "/accounts" if account else "/auth/tracking"
    started = httpx.post(f"{identity}{path}", json=body, timeout=15)
    started.raise_for_status()
    reference = started.json()["reference"]
    code = asyncio.run(_code_sent(notifications, email, reference))
    redeemed = httpx.post(
        f"{identity}/auth/codes/redeem", json={"reference": reference, "code": code}, timeout=15
    )
    redeemed.raise_for_status()
    return str(redeemed.json()["access_token"])


async def _code_sent(notifications: str, to: str, reference: str) -> str:
    async with httpx.AsyncClient(timeout=15) as client:
        return await code_sent(client, notifications, to, reference)


def callers(identity: str, notifications: str) -> dict[str, dict[str, str]]:
    """Headers for each kind of caller the fuzzer plays."""
    found: dict[str, dict[str, str]] = {"anonymous": {}}
    for name, email in OFFICERS.items():
        found[name] = {"Authorization": f"Bearer {_officer_token(identity, email)}"}
    for name, account in (("resident with an account", True), ("resident tracking", False)):
        token = _resident_token(identity, notifications, account=account)
        found[name] = {"Authorization": f"Bearer {token}"}
    return found


def _operations(schema: Any) -> Iterator[Any]:
    for result in schema.get_all_operations():
        yield result.ok()


def fuzz(base_url: str, headers: dict[str, dict[str, str]]) -> list[str]:
    """Fuzz every operation of one service; each failure described in one line."""
    document = httpx.get(f"{base_url}/openapi.json", timeout=15).json()
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    callers_ = st.sampled_from(sorted(headers))
    for operation in _operations(schema):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            run = _fuzz_one(base_url, headers, strategy, callers_, failures)
            try:
                run()
            except Unsatisfiable:  # no invalid input exists (e.g. no parameters at all)
                continue
    return failures


def _fuzz_one(
    base_url: str,
    headers: dict[str, dict[str, str]],
    strategy: Any,
    callers_: Any,
    failures: list[str],
) -> Callable[[], None]:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, caller=callers_)
    def run(case: Any, caller: str) -> None:
        response = case.call(base_url=base_url, headers=headers[caller], timeout=15)
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as found:  # one line per distinct failure; keep fuzzing
            for failure in found.exceptions:
                what = f"{case.operation.label}: {response.status_code} {failure.title}"
                if not any(known.startswith(what) for known in failures):
                    failures.append(f"{what} (as {caller}: {response.text[:160]})")

    return run


def test_every_service_answers_only_what_its_openapi_document_says(platform: Platform) -> None:
    headers = callers(platform.urls["identity"], platform.urls["notifications"])
    failures = {name: fuzz(platform.urls[name], headers) for name in platform.services}

    found = {name: lines for name, lines in failures.items() if lines}
    report = "\n".join(f"{name}:\n  " + "\n  ".join(lines[:20]) for name, lines in found.items())
    assert not found, f"responses the documents do not promise:\n{report}"
