"""The engine is given the whole record: every name, address and contact point a
resident holds, and every field of an incoming record; a link's additions reach it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from townhall.identity import linkage
from townhall.identity.adapters.linkage_matcher import LinkageMatcher, incoming_record, record_of
from townhall.identity.domain.model import Address, Name, Resident, SourceRecord
from townhall.identity.service_layer.matching import FormerAddress, FormerName, IncomingRecord

ORCHARD = Address("Orchard Road", None, "Sampleton", "ZX1 2AB", "000100023",
                  flat="Flat 2", house_name="Orchard House", house_number="12")  # fmt: skip
MILL = Address("Mill Lane", None, "Sampleton", "ZX4 7QT", house_number="3")


def _resident() -> Resident:
    name = Name("", "Hartley", title="Mrs", initials="S", suffix=None)
    source = SourceRecord(name, address=ORCHARD, phone="07700900123",
                          recorded_on=date(2020, 3, 1))  # fmt: skip
    return Resident.from_source(source, "legacy")


def test_a_link_adds_a_given_name_an_ni_number_a_former_surname_and_a_former_address() -> None:
    resident = _resident()
    resident.events.clear()
    later = SourceRecord(
        Name("Susan", "Hartley", middle_names="Jane"),
        date_of_birth=date(1977, 1, 30),
        ni_number="QQ123456C",
        address=MILL,
        phone="01632960001",
        former_names=(Name("Susan", "Brook", until=date(2001, 5, 1)),),
        recorded_on=date(2016, 1, 1),
    )
    resident.add_source(later)
    assert (resident.given_name, resident.names[0].middle_names) == ("Susan", "Jane")
    assert [n.family for n in resident.names] == ["Hartley", "Brook"]
    assert [a.postcode for a in resident.addresses] == ["ZX1 2AB", "ZX4 7QT"]
    assert resident.addresses[1].moved_out == date(2020, 3, 1), "placed before the current one"
    kinds = [type(e).__name__ for e in resident.events]
    assert kinds == ["ResidentDetailsChanged", "ResidentMoved", "ResidentContactPointsChanged"]

    record = record_of(resident)
    assert record is not None
    assert (record.title, record.given_name, record.initials) == ("Mrs", "Susan", "S")
    assert record.middle_names == ("Jane",) and record.former_family_names == ("Brook",)
    assert (record.ni_number, record.date_of_birth) == ("QQ123456C", date(1977, 1, 30))
    assert (record.flat, record.house_name, record.house_number) == (
        "Flat 2",
        "Orchard House",
        "12",
    )
    assert record.uprn == "000100023"
    [former] = record.previous_addresses
    assert (former.postcode, former.house_number, former.until) == (
        "ZX4 7QT",
        "3",
        date(2020, 3, 1),
    )
    assert record.phones == ("07700900123", "01632960001")


def test_a_record_already_held_adds_nothing() -> None:
    resident = _resident()
    resident.events.clear()
    resident.add_source(SourceRecord(Name("", "HARTLEY"), address=ORCHARD, phone="07700900123"))
    assert resident.events == []


def test_a_newer_record_under_another_surname_becomes_the_current_name() -> None:
    resident = _resident()
    resident.add_source(SourceRecord(Name("Susan", "Okafor"), recorded_on=date(2024, 6, 1)))
    assert [(n.family, n.until) for n in resident.names] == [
        ("Okafor", None),
        ("Hartley", date(2024, 6, 1)),
    ]


def test_a_surname_from_a_record_of_unknown_age_is_kept_as_a_former_name() -> None:
    resident = Resident.from_source(SourceRecord(Name("Susan", "Okafor")), "legacy")
    resident.add_source(SourceRecord(Name("Susan", "Hartley"), recorded_on=date(2015, 1, 1)))
    assert [n.family for n in resident.names] == ["Okafor", "Hartley"]


def test_erasure_clears_the_ni_number_and_every_identifier() -> None:
    resident = _resident()
    resident.add_source(SourceRecord(Name("", "Hartley"), ni_number="QQ123456C"))
    resident.link_identifier("council_tax", "CT-1")
    resident.link_identifier("council_tax", "CT-2")
    resident.erase()
    assert (resident.ni_number, resident.identifiers, resident.addresses) == (None, set(), [])
    assert record_of(resident) is None


def test_every_field_of_an_incoming_record_reaches_the_engine() -> None:
    incoming = IncomingRecord(
        "housing", "HSG-1", None, "Hartley", date(1977, 1, 30), "S.Hartley@Example.org",
        "+44 7700 900123", "ZX1 2AB", title="Mrs", initials="S J", middle_names=("Jane",),
        suffix="sr", former_family_names=(FormerName("Brook"),), ni_number="QQ123456C",
        flat="Flat 2", house_name="Orchard House", house_number="12",
        address_line="Orchard Road", town="Sampleton", uprn="000100023",
        previous_addresses=(FormerAddress(house_number="3", address_line="Mill Lane",
                                          postcode="ZX4 7QT", until=date(2019, 8, 1)),),
    )  # fmt: skip
    record = incoming_record(incoming)
    assert record == linkage.Record(
        given_name=None, family_name="Hartley", former_family_names=("Brook",),
        date_of_birth=date(1977, 1, 30), postcode="ZX1 2AB", house_number="12",
        address_line="Orchard Road", town="Sampleton", uprn="000100023",
        email="s.hartley@example.org", phone="07700900123", title="Mrs", initials="S J",
        middle_names=("Jane",), suffix="sr", ni_number="QQ123456C", flat="Flat 2",
        house_name="Orchard House",
        previous_addresses=(linkage.Address(postcode="ZX4 7QT", house_number="3",
                                            address_line="Mill Lane", until=date(2019, 8, 1)),),
    )  # fmt: skip


QUAY = Address("Quay Street", None, "Sampleton", "ZX9 1LL", house_number="8",
               moved_out=date(2012, 6, 1))  # fmt: skip


def test_a_resident_created_from_a_record_keeps_its_former_addresses_after_its_own() -> None:
    left_mill = replace(MILL, moved_in=date(2012, 6, 1), moved_out=date(2020, 3, 1))
    source = SourceRecord(Name("Susan", "Hartley"), address=ORCHARD, recorded_on=date(2020, 3, 1),
                          former_addresses=(QUAY, left_mill))  # fmt: skip
    resident = Resident.from_source(source, "legacy")
    assert [(a.postcode, a.moved_out) for a in resident.addresses] == [
        ("ZX1 2AB", None), ("ZX4 7QT", date(2020, 3, 1)), ("ZX9 1LL", date(2012, 6, 1)),
    ]  # fmt: skip
    record = record_of(resident)
    assert record is not None
    assert [a.postcode for a in record.previous_addresses] == ["ZX4 7QT", "ZX9 1LL"]


def test_a_link_adds_the_records_former_addresses_it_did_not_hold() -> None:
    resident = _resident()
    resident.events.clear()
    known = replace(ORCHARD, moved_out=date(2019, 1, 1))
    same = resident.names[0]
    resident.add_source(SourceRecord(same, recorded_on=date(2024, 1, 1),
                                     former_addresses=(known, QUAY)))  # fmt: skip
    assert [a.postcode for a in resident.addresses] == ["ZX1 2AB", "ZX9 1LL"]
    assert resident.addresses[0].moved_out is None, "the current address stays current"
    assert [type(e).__name__ for e in resident.events] == ["ResidentMoved"]
    resident.events.clear()
    resident.add_source(SourceRecord(same, former_addresses=(QUAY,)))
    assert len(resident.addresses) == 2 and not resident.events, "held already: nothing new"


def test_the_index_follows_what_a_link_added(model: linkage.Model) -> None:
    matcher = LinkageMatcher(model)
    resident = _resident()
    matcher.residents_changed([resident])
    resident.add_source(SourceRecord(Name("", "Hartley"), address=MILL,
                                     recorded_on=date(2024, 1, 1)))  # fmt: skip
    matcher.residents_changed([resident])
    indexed = matcher._records[str(resident.id)]
    assert indexed.postcode == "ZX4 7QT"
    assert [a.postcode for a in indexed.previous_addresses] == ["ZX1 2AB"]
