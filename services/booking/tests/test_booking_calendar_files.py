"""A council edits calendar files; a bad one stops start-up naming the file and field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from townhall.booking.adapters.calendar_files import (
    BUNDLED,
    CalendarFileError,
    bank_holidays,
    load_calendars,
)
from townhall.booking.bootstrap import bootstrap
from townhall.booking.testing import settings_for

GOOD = yaml.safe_load((BUNDLED / "bulky_waste.yaml").read_text())


def _write(folder: Path, name: str, content: object) -> Path:
    path = folder / name
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    return folder


def test_the_shipped_calendars_load() -> None:
    calendars = load_calendars(BUNDLED, years=[2026])
    assert {"bulky_waste", "pest_control"} <= set(calendars)
    round_ = calendars["bulky_waste"].resources[0]
    assert (round_.capacity, round_.day_cap) == (40, 40)
    assert calendars["bulky_waste"].rules.cutoff is not None


def _broken(path: str, value: object) -> dict[str, object]:
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    target = data
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("resources.0.capacity", 0, "resources.0.capacity"),
        ("resources.0.kind", "bicycle", "resources.0.kind: must be one of"),
        ("resources.0.hours", {"mon-fri": "15:00-07:00"}, "resources.0.hours"),
        ("resources.0.hours", {"funday": "07:00-15:00"}, "resources.0.hours"),
        ("cutoff", {"days_before": 1, "at": "2pm"}, "cutoff.at"),
        ("window_days", -3, "window_days"),
        ("resources.1.code", "bulky-north", "is used twice"),
        ("colour", "blue", "colour: Extra inputs are not permitted"),
    ],
)
def test_a_bad_file_is_refused_naming_file_and_field(
    tmp_path: Path, path: str, value: object, message: str
) -> None:
    folder = _write(tmp_path, "bulky_waste.yaml", _broken(path, value))
    with pytest.raises(CalendarFileError) as refused:
        load_calendars(folder, years=[2026])
    assert str(refused.value).startswith("bulky_waste.yaml: ")
    assert message in str(refused.value)


def test_broken_yaml_and_an_empty_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CalendarFileError, match="no calendar files"):
        load_calendars(tmp_path, years=[2026])
    _write(tmp_path, "broken.yaml", "service_type: [unclosed")
    with pytest.raises(CalendarFileError, match=r"^broken\.yaml: not valid YAML"):
        load_calendars(tmp_path, years=[2026])


def test_one_resource_in_two_files_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", GOOD)
    _write(tmp_path, "b.yaml", {**GOOD, "service_type": "garden_waste"})
    with pytest.raises(CalendarFileError, match=r"^b\.yaml: resources: 'bulky-north'"):
        load_calendars(tmp_path, years=[2026])


def test_start_up_stops_on_a_bad_file(tmp_path: Path) -> None:
    folder = _write(tmp_path, "bulky_waste.yaml", _broken("resources.0.slot_minutes", 0))
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}", calendar_dir=folder)
    with pytest.raises(CalendarFileError, match=r"resources\.0\.slot_minutes"):
        bootstrap(settings)


def test_bank_holidays_come_from_the_holidays_package_per_nation() -> None:
    england = bank_holidays([2026], "ENG")
    scotland = bank_holidays([2026], "SCT")
    assert {date(2026, 4, 3), date(2026, 4, 6), date(2026, 8, 31)} <= england
    assert bank_holidays([2026], "WLS") == england
    assert date(2026, 1, 2) in scotland and date(2026, 1, 2) not in england


def test_a_file_may_close_days_of_its_own(tmp_path: Path) -> None:
    folder = _write(tmp_path, "bulky_waste.yaml", {**GOOD, "closed": ["2026-12-24"]})
    calendar = load_calendars(folder, years=[2026])["bulky_waste"]
    assert date(2026, 12, 24) in calendar.bank_holidays
