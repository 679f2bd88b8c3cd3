"""The CloudEvents Kafka binding: what the relay writes, every consumer reads back."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from townhall.runtime.binding import MalformedEventError, from_record, from_record_sdk, to_record
from townhall.schemas.envelope import Envelope, Sensitivity

text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=8,
)
envelopes = st.builds(
    Envelope,
    id=st.uuids().map(str),
    source=st.just("/townhall/cases"),
    type=st.from_regex(r"\Atownhall\.[a-z]{1,8}\.[a-z_]{1,12}\.v[1-9]\Z"),
    time=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    subject=text,
    residentid=st.none() | st.uuids().map(str),
    correlationid=st.from_regex(r"\A[A-Za-z0-9._-]{1,40}\Z"),
    causationid=st.none() | st.uuids().map(str),
    sensitivity=st.sampled_from(Sensitivity),
    domain=st.from_regex(r"\A[a-z][a-z0-9_]{0,15}\Z"),
    sequence=st.integers(1, 2**62),
    data=st.dictionaries(text, json_values, max_size=5),
)


@given(envelopes)
def test_every_envelope_round_trips_through_binary_mode(envelope: Envelope) -> None:
    record = to_record(envelope)
    assert from_record(record.key, record.value, record.headers) == envelope


@given(envelopes)
def test_the_fast_decoder_agrees_with_the_cloudevents_sdk(envelope: Envelope) -> None:
    record = to_record(envelope)
    fast = from_record(record.key, record.value, record.headers)
    assert fast == from_record_sdk(record.key, record.value, record.headers)


def test_attributes_travel_as_ce_headers_and_the_key_is_the_resident() -> None:
    resident = str(uuid.uuid4())
    envelope = Envelope(
        id="e-1",
        source="/townhall/cases",
        type="townhall.cases.case.opened.v1",
        time=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        subject="case/PC-1",
        residentid=resident,
        correlationid="c-1",
        sensitivity=Sensitivity.PERSONAL,
        domain="pest_control",
        sequence=42,
        data={"reference": "PC-1"},
    )
    record = to_record(envelope)
    headers = dict(record.headers)
    assert record.key == resident.encode()
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_time"] == b"2026-11-23T09:30:00Z"
    assert headers["ce_sequence"] == b"42"
    assert headers["ce_domain"] == b"pest_control"
    assert headers["content-type"] == b"application/json"
    assert json.loads(record.value) == {"reference": "PC-1"}


def test_extensions_this_platform_does_not_know_are_ignored() -> None:
    headers = [*GOOD.headers, ("ce_futureext", b"x"), ("traceparent", b"00-abc")]
    assert from_record(b"k", GOOD.value, headers) == from_record(b"k", GOOD.value, GOOD.headers)


GOOD = to_record(
    Envelope(
        id="e-1",
        source="/townhall/cases",
        type="townhall.cases.case.opened.v1",
        time=datetime.now(UTC) - timedelta(seconds=1),
        subject="case/PC-1",
        residentid=None,
        correlationid="c",
        sensitivity=Sensitivity.PUBLIC,
        domain="waste",
        sequence=1,
        data={},
    )
)


def _headers(**changes: bytes | None) -> list[tuple[str, bytes]]:
    kept = [(n, changes.get(n, v)) for n, v in GOOD.headers if changes.get(n, v) is not None]
    return [(n, v) for n, v in kept if v is not None]


@pytest.mark.parametrize(
    ("value", "headers", "reason"),
    [
        (None, GOOD.headers, "no value"),
        (b"{}", [], "missing CloudEvents headers"),
        (b"{}", _headers(ce_type=None), "ce_type"),
        (b"not json", GOOD.headers, "not JSON"),
        (b"[1, 2]", GOOD.headers, "not a JSON object"),
        (b"{}", _headers(ce_time=b"yesterday"), "time"),
        (b"{}", _headers(ce_sequence=b"-3"), "sequence"),
        (b"{}", _headers(ce_sensitivity=b"secret"), "sensitivity"),
        (b"{}", _headers(ce_type=b"no-version"), "type"),
        (b"{}", _headers(ce_id=b"\xff\xfe"), "UTF-8"),
    ],
)
def test_malformed_records_are_refused_with_the_reason(
    value: bytes | None, headers: list[tuple[str, bytes]], reason: str
) -> None:
    with pytest.raises(MalformedEventError, match=reason):
        from_record(b"k", value, headers)
