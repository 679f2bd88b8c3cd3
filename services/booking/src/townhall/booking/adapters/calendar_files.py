"""Calendars from the files a council edits: one YAML file per bookable service type.

Every file is checked when the service starts; a bad one stops it with an error naming
the file and the field (``bulky_waste.yaml: resources.0.capacity: Input should be
greater than 0``). Bank holidays come from the ``holidays`` package (UK, England and
Wales by default), never from a hand-typed list; a file may add closures of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, time, timedelta
from pathlib import Path
from typing import Annotated

import holidays
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from townhall.booking.domain.calendar import (
    RESOURCE_KINDS,
    Calendar,
    CutOff,
    Resource,
    Rules,
    Shift,
)

BUNDLED = Path(__file__).resolve().parents[1] / "calendars"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^([0-2]\d):([0-5]\d)-([0-2]\d):([0-5]\d)$")
_CODE = r"^[a-z][a-z0-9_-]*$"


class CalendarFileError(ValueError):
    """A calendar file is wrong; the message names the file and the field."""


def _clock(text: str) -> time:
    hours, _, minutes = text.partition(":")
    return time(int(hours), int(minutes))


def _days(spec: str) -> list[int]:
    first, _, last = spec.partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise ValueError(f"{spec!r}: days are {', '.join(DAYS)} or a range such as mon-fri")
    start, end = DAYS.index(first), DAYS.index(last or first)
    if end < start:
        raise ValueError(f"{spec!r}: a range runs forwards (mon-fri)")
    return list(range(start, end + 1))


def _shifts(spans: str | list[str]) -> tuple[Shift, ...]:
    found = []
    for span in [spans] if isinstance(spans, str) else spans:
        matched = _SPAN.match(span)
        if matched is None:
            raise ValueError(f"{span!r}: write working hours as HH:MM-HH:MM")
        start, end = _clock(span[:5]), _clock(span[6:])
        if end <= start:
            raise ValueError(f"{span!r}: a shift ends after it starts")
        found.append(Shift(start, end))
    return tuple(found)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ResourceFile(_Strict):
    code: str = Field(pattern=_CODE)
    name: str = Field(min_length=1)
    kind: str
    areas: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    hours: dict[str, str | list[str]] = Field(min_length=1)
    slot_minutes: int = Field(gt=0, le=24 * 60)
    capacity: int = Field(default=1, gt=0)
    day_cap: int | None = Field(default=None, gt=0)

    @field_validator("kind")
    @classmethod
    def _kind(cls, kind: str) -> str:
        if kind not in RESOURCE_KINDS:
            raise ValueError(f"must be one of {', '.join(RESOURCE_KINDS)}")
        return kind

    @field_validator("areas")
    @classmethod
    def _areas(cls, areas: list[str]) -> list[str]:
        return [" ".join(area.upper().split()) for area in areas]

    @field_validator("hours")
    @classmethod
    def _hours(cls, hours: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        for spec, spans in hours.items():
            _days(spec)
            _shifts(spans)
        return hours

    def to_resource(self, service_type: str) -> Resource:
        by_day: dict[int, tuple[Shift, ...]] = {}
        for spec, spans in self.hours.items():
            for day in _days(spec):
                by_day[day] = by_day.get(day, ()) + _shifts(spans)
        return Resource(
            code=self.code,
            name=self.name,
            kind=self.kind,
            service_types=frozenset({service_type}),
            areas=tuple(self.areas),
            hours=by_day,
            slot_minutes=self.slot_minutes,
            capacity=self.capacity,
            day_cap=self.day_cap,
        )


class CutOffFile(_Strict):
    days_before: int = Field(ge=0, le=60)
    at: str = Field(pattern=r"^[0-2]\d:[0-5]\d$")


class CalendarFile(_Strict):
    service_type: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    window_days: int = Field(gt=0, le=366)
    minimum_notice_hours: float = Field(default=0, ge=0)
    cutoff: CutOffFile | None = None
    hold_minutes: float | None = Field(default=None, gt=0, le=24 * 60)
    reminders_days_before: list[Annotated[int, Field(gt=0)]] = [3, 1]
    closed: list[date] = []
    resources: list[ResourceFile] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> CalendarFile:
        codes = [r.code for r in self.resources]
        for i, code in enumerate(codes):
            if code in codes[:i]:
                raise ValueError(f"resources.{i}.code: {code!r} is used twice")
        return self

    def to_calendar(self, hold_minutes: float, bank_holidays: Iterable[date]) -> Calendar:
        cutoff = self.cutoff and CutOff(self.cutoff.days_before, _clock(self.cutoff.at))
        rules = Rules(
            service_type=self.service_type,
            window_days=self.window_days,
            minimum_notice=timedelta(hours=self.minimum_notice_hours),
            cutoff=cutoff or None,
            hold_ttl=timedelta(minutes=self.hold_minutes or hold_minutes),
            reminders=tuple(sorted(set(self.reminders_days_before), reverse=True)),
        )
        resources = tuple(r.to_resource(self.service_type) for r in self.resources)
        return Calendar(rules, resources, frozenset(bank_holidays) | frozenset(self.closed))


def bank_holidays(years: Iterable[int], subdivision: str = "ENG") -> frozenset[date]:
    """Bank holidays in England and Wales (``ENG``, ``WLS``), Scotland (``SCT``) or
    Northern Ireland (``NIR``) for ``years``, from the maintained ``holidays`` package."""
    found = holidays.country_holidays("GB", subdiv=subdivision, years=list(years))
    return frozenset(found.keys())


def _where(error: ErrorDetails) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(file)"


def load_file(path: Path, hold_minutes: float, closed: frozenset[date]) -> Calendar:
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise CalendarFileError(f"{path.name}: not valid YAML: {exc}") from None
    try:
        parsed = CalendarFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        raise CalendarFileError(f"{path.name}: {_where(first)}: {message}") from None
    return parsed.to_calendar(hold_minutes, closed)


def load_calendars(
    folder: Path, *, years: Iterable[int], hold_minutes: float = 10, subdivision: str = "ENG"
) -> dict[str, Calendar]:
    """Every ``*.yaml`` in ``folder``, by service type; a bad one raises, naming it."""
    closed = bank_holidays(years, subdivision)
    calendars: dict[str, Calendar] = {}
    owners: dict[str, str] = {}
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise CalendarFileError(f"{folder}: no calendar files (*.yaml)")
    for path in paths:
        calendar = load_file(path, hold_minutes, closed)
        if calendar.service_type in calendars:
            raise CalendarFileError(
                f"{path.name}: service_type: {calendar.service_type!r} already has a calendar"
            )
        for resource in calendar.resources:
            if resource.code in owners:
                raise CalendarFileError(
                    f"{path.name}: resources: {resource.code!r} is already in "
                    f"{owners[resource.code]}"
                )
            owners[resource.code] = path.name
        calendars[calendar.service_type] = calendar
    return calendars
