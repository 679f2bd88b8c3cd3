"""Waiting for services to answer ``/healthz`` and ``/readyz`` while they start."""

from __future__ import annotations

import httpx


def readiness_reasons(response: httpx.Response) -> list[str]:
    """Why a ``/readyz`` answer is not 200: the problem body's ``reasons``, else the code."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        reasons = body.get("reasons")
        if isinstance(reasons, list) and reasons:
            return [str(reason) for reason in reasons]
        if body.get("detail"):
            return [str(body["detail"])]
    return [f"HTTP {response.status_code}"]


def probe(client: httpx.Client, url: str) -> str | None:
    """None when ``url`` answers 200 on /healthz and /readyz, else what was seen."""
    try:
        health = client.get(f"{url}/healthz")
        if health.status_code != 200:
            return f"/healthz answered {health.status_code}"
        ready = client.get(f"{url}/readyz")
    except httpx.HTTPError as error:
        return f"no answer ({type(error).__name__})"
    if ready.status_code != 200:
        return f"/readyz answered {ready.status_code}: {'; '.join(readiness_reasons(ready))}"
    return None
