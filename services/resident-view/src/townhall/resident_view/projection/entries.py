"""An event → its timeline entry.

A generic mapping puts any well-formed event on the timeline, so a new service's
events appear without code here as long as they carry the envelope attributes; its
data may add ``case_reference`` (or ``reference`` on a ``case/…`` subject),
``channel``, ``summary``, and ``audience: officers`` or ``visibility: internal`` for
officer-internal notes that residents never see. Known types may shape a better
summary in :data:`SUMMARIES`, the dispatch table of this module.

A report whose reporter is only claimed (``case.submitted`` with ``reporter_claimed``:
an anonymous reporter gave this resident's name; or ``case.resident_matched``, when
identity matched them only after the submission) is ``claimed`` and says so, never as
the resident's own act, until the resident confirms it (:func:`confirmed`; see
:mod:`.claims`).

What was written about the resident and sealed under their key (cases' ``sealed``:
update and note text, a status change's reason, an attachment's file name) is filled
into the entry's data once opened (:mod:`.sealed`); the blob itself is not kept. If it
did not open (the resident was erased) those fields stay blank and the entry lands.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from townhall.resident_view.projection.sealed import sealed_fields
from townhall.schemas.envelope import Envelope
from townhall.schemas.events import booking
from townhall.schemas.events.cases import (
    REPORT_TYPES,
    CaseReporterConfirmed,
    CaseResidentMatched,
    CaseStatusChanged,
    CaseSubmitted,
    ContactLogged,
)
from townhall.schemas.events.identity import ResidentRegistered
from townhall.schemas.events.payments import PaymentSucceeded, RefundSucceeded
from townhall.schemas.registry import EVENT_TYPES

Row = dict[str, Any]
#: One encoder for every row: ``json.dumps`` with any option builds a new one per call.
_compact_json = json.JSONEncoder(separators=(",", ":")).encode


def _words(value: str) -> str:
    return value.replace("_", " ")


def _resident_registered(envelope: Envelope) -> str:
    # the consumer validated the data against the contract already
    return f"{ResidentRegistered.SUMMARY} ({_words(envelope.data['channel'])})"


#: How a claimed report reads until the resident confirms it.
CLAIMED = "reported by someone giving this name and email or phone, not confirmed"


def submitted(data: Mapping[str, Any], *, claimed: bool = False) -> str:
    """The summary of a submitted request (``case.submitted``'s data): as only claimed,
    as raised by an officer for the resident (assisted digital: ``raised_by``), or as the
    resident's own."""
    request = f"{_words(data['service_code']).capitalize()} request {data['reference']}"
    if claimed:
        return f"{request} {CLAIMED}"
    if str(data.get("raised_by") or "").startswith("officer:"):
        channel = f" ({_words(data['channel'])})" if data.get("channel") else ""
        return f"{request} raised by an officer on the resident's behalf{channel}"
    return f"{request} submitted"


def _case_submitted(envelope: Envelope) -> str:
    return submitted(envelope.data, claimed=_claimed(envelope))


def _reporter_confirmed(envelope: Envelope) -> str:
    data = envelope.data
    by = " by an officer on their behalf" if data["confirmed_by"].startswith("officer:") else ""
    return f"Request {data['reference']} confirmed as reported by this resident{by}"


def _case_status_changed(envelope: Envelope) -> str:
    data = envelope.data
    change = f"{_words(data['from_status'])} → {_words(data['to_status'])}"
    return f"Request {data['reference']}: {change}"


def _contact_logged(envelope: Envelope) -> str:
    data = envelope.data
    chase = " (chasing progress)" if data.get("failure_demand") else ""
    return f"Contacted the council by {_words(data['channel'])}: {_words(data['reason'])}{chase}"


def _pounds(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


def _payment_succeeded(envelope: Envelope) -> str:
    data = envelope.data
    return f"Paid {_pounds(data['amount'])} for {data['case_reference']}"


def _refunded(envelope: Envelope) -> str:
    data = envelope.data
    return f"Refunded {_pounds(data['amount'])} for {data['case_reference']}"


_LONDON = ZoneInfo("Europe/London")
#: Booking's events, each in words, about the visit's local time.
_VISITS = {
    booking.SlotHeld.TYPE: "slot on {when} held",
    booking.AppointmentConfirmed.TYPE: "visit booked for {when}",
    booking.AppointmentCancelled.TYPE: "visit on {when} cancelled",
    booking.AppointmentRescheduled.TYPE: "visit moved to {when}",
    booking.VisitRecorded.TYPE: "visit on {when}: {outcome}",
    booking.ReminderDue.TYPE: "reminder of the visit on {when}",
}
_OUTCOMES = {"completed": "done", "no_access": "no access", "not_home": "nobody was home"}


def _visit(envelope: Envelope) -> str:
    data = envelope.data
    moment = datetime.fromisoformat(data["starts_at"]).astimezone(_LONDON)
    when = f"{moment:%A} {moment.day} {moment:%B %Y} at {moment:%H:%M}"
    outcome = _OUTCOMES.get(str(data.get("outcome")), "")
    return f"Request {data['case_reference']}: " + _VISITS[envelope.type].format(
        when=when, outcome=outcome
    )


SUMMARIES: dict[str, Callable[[Envelope], str]] = {
    **dict.fromkeys(_VISITS, _visit),
    ResidentRegistered.TYPE: _resident_registered,
    CaseSubmitted.TYPE: _case_submitted,
    CaseResidentMatched.TYPE: _case_submitted,
    CaseReporterConfirmed.TYPE: _reporter_confirmed,
    CaseStatusChanged.TYPE: _case_status_changed,
    ContactLogged.TYPE: _contact_logged,
    PaymentSucceeded.TYPE: _payment_succeeded,
    RefundSucceeded.TYPE: _refunded,
}


def humanise(event_type: str) -> str:
    """``townhall.cases.case.status_changed.v1`` → ``Case status changed``."""
    parts = event_type.split(".")
    words = " ".join(parts[-3:-1]) if len(parts) >= 4 else parts[0]
    words = words.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def summary(envelope: Envelope) -> str:
    shape = SUMMARIES.get(envelope.type)
    if shape is not None:
        return shape(envelope)
    text = envelope.data.get("summary")
    if isinstance(text, str) and text.strip():
        return text.strip()[:500]
    model = EVENT_TYPES.get(envelope.type)
    return (model.SUMMARY if model and model.SUMMARY else "") or humanise(envelope.type)


def _text(data: dict[str, Any], key: str, limit: int) -> str | None:
    value = data.get(key)
    return value[:limit] if isinstance(value, str) and value else None


def _audience(data: dict[str, Any]) -> str:
    """Officer-internal notes say ``audience: officers`` or ``visibility: internal``."""
    if data.get("audience") == "officers" or data.get("visibility") == "internal":
        return "officers"
    return "all"


def _claimed(envelope: Envelope) -> bool:
    return envelope.type in REPORT_TYPES and envelope.data.get("reporter_claimed") is True


def confirmed(row: Row) -> None:
    """Make a claimed report's ``row`` read as the resident's own: they confirmed it."""
    data = json.loads(row["data"])
    row["claimed"] = False
    row["summary"] = submitted(data)


def _case_reference(envelope: Envelope) -> str | None:
    """``case_reference`` in the data, or the ``reference`` of an event about a case."""
    reference = _text(envelope.data, "case_reference", 64)
    if reference is None and envelope.subject.startswith("case/"):
        reference = _text(envelope.data, "reference", 64)
    return reference


def unsealed(envelope: Envelope, opened: Mapping[str, Any] | None) -> dict[str, Any]:
    """The event's data with what it carried sealed filled in: only the fields its
    contract seals, only where they are blank in clear; without the blob."""
    names = sealed_fields(envelope.type)
    if not names or "sealed" not in envelope.data:
        return envelope.data
    data = {key: value for key, value in envelope.data.items() if key != "sealed"}
    for name in names:
        value = (opened or {}).get(name)
        if isinstance(value, str) and not data.get(name):
            data[name] = value
    return data


def entry(
    envelope: Envelope, generation: int = 1, opened: Mapping[str, Any] | None = None
) -> Row | None:
    """The timeline row for ``envelope``, or None when it concerns no resident;
    ``opened`` is what it carried sealed, if that opened."""
    if envelope.residentid is None:
        return None
    data = unsealed(envelope, opened)
    return {
        "generation": generation,
        "event_id": envelope.id,
        "resident_id": envelope.residentid,
        "time": envelope.time,
        "type": envelope.type,
        "domain": envelope.domain,
        "sensitivity": envelope.sensitivity.value,
        "sensitivity_rank": envelope.sensitivity.rank,
        "summary": summary(envelope),
        "source": envelope.source,
        "sequence": envelope.sequence,
        "subject": envelope.subject,
        "correlation_id": envelope.correlationid,
        "data": _compact_json(data),
        "audience": _audience(data),
        "case_reference": _case_reference(envelope),
        "channel": _text(data, "channel", 32),
        "claimed": _claimed(envelope),
    }
