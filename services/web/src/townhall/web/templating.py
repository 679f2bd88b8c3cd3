"""Pages: Jinja2 with GOV.UK Frontend's macros (``govuk-frontend-jinja``), one
environment per language, so a page renders in the officer's language with no shared
state between requests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import BytecodeCache, ChoiceLoader, Environment, PackageLoader, PrefixLoader
from jinja2.bccache import Bucket

from townhall.web.forms import Checked
from townhall.web.i18n import LANGUAGES, N_, translations
from townhall.web.sessions import CSRF_FIELD, Session

ERROR = N_("Error")
COUNCIL_TIME = ZoneInfo("Europe/London")


def council_time(value: str | datetime | None, language: str) -> str:
    """A moment as the council reads it: 5 December 2026, 09:30 (UK time)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(moment, "d MMMM yyyy, HH:mm", tzinfo=COUNCIL_TIME, locale=language)


def _day(value: str | date | None, language: str) -> str:
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, "d MMMM yyyy", locale=language)


def _weekday(value: str | date | None, language: str) -> str:
    """A day with its name, for choosing a visit: Monday 7 December 2026 (a moment's
    day in the council's time)."""
    if not value:
        return ""
    if isinstance(value, str) and "T" in value:
        value = datetime.fromisoformat(value).astimezone(COUNCIL_TIME).date()
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, "EEEE d MMMM yyyy", locale=language)


def _clock(value: str | datetime | None, language: str) -> str:
    """A moment's time of day in the council's time: 09:00."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(moment, "HH:mm", tzinfo=COUNCIL_TIME, locale=language)


def _field_error(language: str) -> Callable[[Checked | None, str], dict[str, str] | None]:
    """``errorMessage`` for a GOV.UK macro: the field's message in ``language``."""
    gettext = translations(language).gettext

    def error(form: Checked | None, name: str) -> dict[str, str] | None:
        message = form.message_for(name) if form else None
        if message is None:
            return None
        return {"text": gettext(message), "visuallyHiddenText": gettext(ERROR)}

    return error


class SharedBytecode(BytecodeCache):
    """Compiled templates kept in memory and shared by the languages' environments
    (the compiled code is the same: the translations are looked up when rendering), so
    each template is compiled once per process, not once per language."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if code := self.compiled.get(bucket.key):
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


def _environment(language: str, bytecode: BytecodeCache) -> Environment:
    loader = ChoiceLoader(
        [
            PackageLoader("townhall.web", "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    env = Environment(
        loader=loader,
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=bytecode,
    )
    env.filters["when"] = lambda value: council_time(value, language)
    env.filters["day"] = lambda value: _day(value, language)
    env.filters["weekday"] = lambda value: _weekday(value, language)
    env.filters["clock"] = lambda value: _clock(value, language)
    env.globals["field_error"] = _field_error(language)
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


class Pages:
    """Renders the workspace's templates for one request."""

    def __init__(self, *, council_name: str) -> None:
        self.council_name = council_name
        bytecode = SharedBytecode()
        self.environments = {language: _environment(language, bytecode) for language in LANGUAGES}

    def render(
        self,
        request: Request,
        session: Session | None,
        template: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
    ) -> HTMLResponse:
        language = session.language if session else "en"
        page = self.environments[language].get_template(template)
        html = page.render(
            {
                "language": language,
                "languages": LANGUAGES,
                "council_name": self.council_name,
                "csrf_field": CSRF_FIELD,
                "csrf_token": session.csrf if session else "",
                "officer": session.officer if session and session.signed_in else None,
                "path": request.url.path,
                "resident": not request.url.path.startswith("/officer"),
                "errors": [],
                "form": None,
                "flash": session.take_flash() if session else None,
                **(context or {}),
            }
        )
        return HTMLResponse(html, status_code=status_code)
