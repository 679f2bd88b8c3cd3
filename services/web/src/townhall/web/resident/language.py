"""The language switch on the resident pages: a link, as GOV.UK services have it
(the current language as text, the other as a link marked with its ``lang``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response

from townhall.web.i18n import choose
from townhall.web.officer.dependencies import AnySession

router = APIRouter(include_in_schema=False)


def local(target: str) -> bool:
    """A path on this site (never another site's address, ``//host`` or ``/\\host``)."""
    return target.startswith("/") and not target.startswith(("//", "/\\"))


@router.get("/language")
async def language(
    session: AnySession, to: str = "", back: Annotated[str, Query(alias="next")] = "/report"
) -> Response:
    session.language = choose(to)
    return RedirectResponse(back if local(back) else "/report", status_code=303)
