"""What the Open311 tests share (as :mod:`townhall.cases.testing` for the rest): posting forms,
reading the spec's error lists, a catalogue with the datatypes the bundled one lacks, and
counting every row a write could touch (cases' tables and Open311's own)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import httpx
from sqlalchemy import func, select

from townhall.cases.adapters.catalogue import BUNDLED
from townhall.cases.adapters.orm import open311_requests, open311_updates
from townhall.cases.entrypoints.api.app import create
from townhall.cases.testing import API_KEY, counts, runtime_of, settings_for
from townhall.runtime.testkit.data_keys import FakeDataKeys
from townhall.runtime.testkit.tokens import TestIssuer

BASE = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

#: Datatypes the bundled catalogue does not offer on Open311: a date-time, a decimal
#: number, a multivaluelist on a public type; and a personal type a council made public.
STREET_LIGHT = """
code: street_light
name: Street light fault
description: Report a street light that is out or damaged.
prefix: SL
domain: street_cleaning
sensitivity: public
location_required: true
sla: {days: 5}
form:
  type: object
  additionalProperties: false
  required: [fault, noticed_at]
  properties:
    fault: {type: string, title: "What is wrong?", enum: [out, flickering, damaged]}
    noticed_at: {type: string, format: date-time, title: "When did you notice it?"}
    height_m: {type: number, title: "How tall is it (metres)?", minimum: 0, maximum: 30}
    days: {type: array, title: "Which days?", items: {type: string, enum: [mon, tue, wed]}}
lifecycle:
  transitions:
    submitted: [triaged, rejected, cancelled]
    triaged: [in_progress, resolved, rejected]
    in_progress: [resolved]
    resolved: [closed]
    closed: []
    cancelled: []
    rejected: []
open311:
  type: realtime
  group: Streets
  keywords: [light, lamp]
  public: true
  show: [description, address, location, updates, media]
"""
HOME_VISIT = """
code: home_visit
name: Home safety visit
description: Ask for a safety visit at your home.
prefix: HV
domain: environmental_health
sensitivity: personal
sla: {days: 10}
form:
  type: object
  additionalProperties: false
  properties:
    reason: {type: string, title: "Why?", enum: [falls, fire, other]}
lifecycle:
  transitions:
    submitted: [triaged, rejected, cancelled]
    triaged: [resolved, rejected]
    resolved: [closed]
    closed: []
    cancelled: []
    rejected: []
open311:
  type: realtime
  group: Environmental health
  # A council made it public and asked for everything: a personal type still shows
  # no description, address, location, updates or media in any Open311 list.
  public: true
  show: [description, address, location, updates, media]
"""


def catalogue_with_test_types(directory: Path) -> Path:
    shutil.copytree(BUNDLED, directory, dirs_exist_ok=True)
    (directory / "street_light.yaml").write_text(STREET_LIGHT)
    (directory / "home_visit.yaml").write_text(HOME_VISIT)
    return directory


async def app_client(
    database_url: str, issuer: TestIssuer, catalogue_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(database_url, issuer, catalogue_dir=catalogue_dir)
    app = create(settings, data_keys=FakeDataKeys())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cases") as http:
            http.app = app  # type: ignore[attr-defined]
            yield http


def fly_tipping_form(**extra: str) -> dict[str, str]:
    return {
        "api_key": API_KEY,
        "service_code": "fly_tipping",
        "lat": "51.5072",
        "long": "-0.1276",
        "email": "reporter@example.org",
        "first_name": "Ada",
        "last_name": "Example",
        "description": "Mattress dumped by the bus stop",
        "attribute[waste_type]": "household",
        **extra,
    }


async def post(
    client: httpx.AsyncClient, path: str, fmt: str = "json", data: Any = None
) -> httpx.Response:
    """POST a form: a dict, or a list of (name, value) pairs to repeat a name."""
    url = f"{BASE}/{path}.{fmt}"
    if isinstance(data, list):
        return await client.post(url, content=urlencode(data), headers=FORM)
    return await client.post(url, data=data, headers=FORM)


async def posted(client: httpx.AsyncClient, data: Any) -> str:
    response = await post(client, "requests", data=data)
    assert response.status_code == 201, response.text
    return str(response.json()[0]["service_request_id"])


def spec_errors(response: httpx.Response) -> list[dict[str, Any]]:
    """The spec's error list, read from whichever format it came in (and checked to be
    that format: XML ``<errors><error><code/><description/>``, or the JSON array)."""
    media_type = response.headers["content-type"]
    if media_type.startswith("text/xml"):
        root = ET.fromstring(response.content)
        assert root.tag == "errors", response.text
        found = [
            {"code": int(e.findtext("code") or 0), "description": e.findtext("description")}
            for e in root.findall("error")
        ]
    else:
        assert media_type.startswith("application/json"), media_type
        found = response.json()
        assert isinstance(found, list), response.text
    assert found and all(set(e) == {"code", "description"} for e in found), response.text
    return found


async def all_counts(client: httpx.AsyncClient) -> dict[str, int]:
    """Rows in every table an Open311 write could touch."""
    found = await counts(client)
    async with runtime_of(client).sessions() as session:
        for table in (open311_requests, open311_updates):
            query = select(func.count()).select_from(table)
            found[table.name] = (await session.execute(query)).scalar_one()
    return found
