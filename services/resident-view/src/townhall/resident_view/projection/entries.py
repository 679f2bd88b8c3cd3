"""An event → its timeline entry.

A generic mapping puts any well-formed event on the timeline, so a new service's
events appear without code here as long as they carry the envelope attributes; its
data may add ``case_reference`` (or ``reference`` on a ``case/…`` subject),
``channel``, ``summary``, and ``audience: officers`` or ``visibility: internal`` for
officer-internal notes that residents never see. Known types may shape a better
summary in :data:`SUMMARIES`, the dispatch table of this module: a code and its facts
(:mod:`.wording`) that a front door words in its reader's language, stored beside the
summary in English made from them.

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
from datetime import UTC, datetime
from typing import Any

from townhall.resident_view.projection.sealed import sealed_fields
from townhall.resident_view.projection.wording import Params, Said, english
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


def _resident_registered(envelope: Envelope) -> Said:
    # the consumer validated the data against the contract already
    return Said("registered", {"channel": envelope.data["channel"]})


def submitted_said(data: Mapping[str, Any], *, claimed: bool = False) -> Said:
    """What a submitted request (``case.submitted``'s data) says: as only claimed, as
    raised by an officer for the resident (assisted digital: ``raised_by``), or as the
    resident's own."""
    request: Params = {"service_code": data["service_code"], "reference": data["reference"]}
    if claimed:
        return Said("request_claimed", request)
    if str(data.get("raised_by") or "").startswith("officer:") and data.get("channel"):
        return Said("request_raised_by_officer", {**request, "channel": data["channel"]})
    return Said("request_submitted", request)


def submitted(data: Mapping[str, Any], *, claimed: bool = False) -> str:
    """The summary of a submitted request in English (see :func:`submitted_said`)."""
    return english(submitted_said(data, claimed=claimed))


def _case_submitted(envelope: Envelope) -> Said:
    return submitted_said(envelope.data, claimed=_claimed(envelope))


def _reporter_confirmed(envelope: Envelope) -> Said:
    data = envelope.data
    by_officer = data["confirmed_by"].startswith("officer:")
    code = "reporter_confirmed_by_officer" if by_officer else "reporter_confirmed"
    return Said(code, {"reference": data["reference"]})


def _case_status_changed(envelope: Envelope) -> Said:
    data = envelope.data
    return Said(
        "status_changed",
        {
            "reference": data["reference"],
            "from_status": data["from_status"],
            "to_status": data["to_status"],
        },
    )


def _contact_logged(envelope: Envelope) -> Said:
    data = envelope.data
    code = "contact_logged_chasing" if data.get("failure_demand") else "contact_logged"
    return Said(code, {"channel": data["channel"], "reason": data["reason"]})


def _payment_succeeded(envelope: Envelope) -> Said:
    data = envelope.data
    return Said("paid", {"amount_pence": data["amount"], "reference": data["case_reference"]})


def _refunded(envelope: Envelope) -> Said:
    data = envelope.data
    return Said("refunded", {"amount_pence": data["amount"], "reference": data["case_reference"]})


#: Booking's events, each as a code about the visit's time.
_VISITS = {
    booking.SlotHeld.TYPE: "slot_held",
    booking.AppointmentConfirmed.TYPE: "visit_booked",
    booking.AppointmentCancelled.TYPE: "visit_cancelled",
    booking.AppointmentRescheduled.TYPE: "visit_moved",
    booking.VisitRecorded.TYPE: "visit_recorded",
    booking.ReminderDue.TYPE: "visit_reminder",
}


def _visit(envelope: Envelope) -> Said:
    data = envelope.data
    moment = datetime.fromisoformat(data["starts_at"]).astimezone(UTC)
    params: Params = {"reference": data["case_reference"], "starts_at": moment.isoformat()}
    if envelope.type == booking.VisitRecorded.TYPE:
        params["outcome"] = str(data.get("outcome") or "")
    return Said(_VISITS[envelope.type], params)


#: The event types whose summary is shaped here, each to a code and its facts.
SUMMARIES: dict[str, Callable[[Envelope], Said]] = {
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


def said(envelope: Envelope) -> Said | None:
    """What the entry of ``envelope`` says as a code and its facts, for the types
    :data:`SUMMARIES` shapes (None for the rest: their summary is English only)."""
    shape = SUMMARIES.get(envelope.type)
    return shape(envelope) if shape is not None else None


def summary(envelope: Envelope, code: Said | None = None) -> str:
    """The entry's summary in English, from its code (``code``, or :func:`said`'s)
    when it has one."""
    code = code if code is not None else said(envelope)
    if code is not None:
        return english(code)
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
    own = submitted_said(data)
    row.update(summary=english(own), **columns(own))


def columns(code: Said | None) -> Row:
    """The entry's ``summary_code`` and ``summary_params`` columns for ``code``."""
    if code is None:
        return {"summary_code": None, "summary_params": None}
    return {"summary_code": code.code, "summary_params": _compact_json(code.params)}


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
    code = said(envelope)
    return {
        "generation": generation,
        "event_id": envelope.id,
        "resident_id": envelope.residentid,
        "time": envelope.time,
        "type": envelope.type,
        "domain": envelope.domain,
        "sensitivity": envelope.sensitivity.value,
        "sensitivity_rank": envelope.sensitivity.rank,
        "summary": summary(envelope, code),
        **columns(code),
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
