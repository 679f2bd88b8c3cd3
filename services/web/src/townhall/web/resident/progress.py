"""A request's progress in plain words, in the resident's language: its status, what
happens next, and what each step on resident-view's tracking API was.

Resident-view words its ``next_step`` and step summaries in English; these are the
front door's own words for the same facts, so a Welsh reader gets Welsh. What happens
next comes from resident-view's ``next`` (a stable code and its facts: the fee, the
visit's time), worded here; a code this module does not know falls back to the status.
A step's own facts (the service, the amount, the visit's time) are worded by
:mod:`.summaries` from resident-view's summary code; a step neither knows is shown with
resident-view's English summary.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_datetime

from townhall.web.i18n import N_, translations
from townhall.web.templating import COUNCIL_TIME

STATUS = {
    "submitted": N_("Received"),
    "awaiting_payment": N_("Waiting for payment"),
    "triaged": N_("Being looked at"),
    "scheduled": N_("Visit arranged"),
    "in_progress": N_("In progress"),
    "resolved": N_("Done"),
    "closed": N_("Closed"),
    "cancelled": N_("Cancelled"),
    "rejected": N_("Not accepted"),
}
NEXT = {
    "submitted": N_("We will look at your request and tell you what happens next."),
    "awaiting_payment": N_("Pay the fee, then we can arrange what happens next."),
    "triaged": N_("An officer will arrange what happens next."),
    "scheduled": N_("We will come at the time arranged."),
    "in_progress": N_("We are working on it."),
    "resolved": N_("We have done what you asked. Tell us if the problem comes back."),
    "closed": N_("There is nothing more to do."),
    "cancelled": N_("This request was cancelled. There is nothing more to do."),
    "rejected": N_("We could not accept this request. The steps below say why."),
}
#: Resident-view's ``next.code`` -> what happens next (its facts as placeholders).
NEXT_STEPS = {
    "no_progress": N_("We have not recorded any progress on this request yet. Look again later."),
    "received": N_("We have received your request and an officer will look at it soon."),
    "triaged": N_("An officer has looked at your request. The team will deal with it next."),
    "pay": N_("Pay %(fee)s so that we can go ahead with your request."),
    "pay_again": N_("Your payment did not go through. Please pay %(fee)s again."),
    "visit_booked": N_("A visit is booked for %(day)s at %(time)s."),
    "arranging_visit": N_("We are arranging a visit and will tell you when it is."),
    "in_progress": N_("The team is working on your request."),
    "resolved": N_("We have dealt with your request. Tell us if there is still a problem."),
    "rejected": NEXT["rejected"],
    "awaiting_news": N_("We will update this page when there is news."),
}
#: The same without the fee, when resident-view knows none.
FEELESS = {
    "pay": NEXT["awaiting_payment"],
    "pay_again": N_("Your payment did not go through. Please pay the fee again."),
}
#: A step's type (without its version) -> what happened, in plain words.
STEPS = {
    "townhall.cases.case.submitted": N_("We received your request"),
    "townhall.cases.case.resident_matched": N_("We linked the request to your record"),
    "townhall.cases.case.reporter_confirmed": N_("You confirmed the request is yours"),
    "townhall.cases.case.status_changed": N_("Your request moved on"),
    "townhall.cases.case.assigned": N_("A team is looking after your request"),
    "townhall.cases.case.update_posted": N_("An update from the council"),
    "townhall.cases.case.attachment_added": N_("A file was added"),
    "townhall.cases.case.evidence_added": N_("Evidence was added to your request"),
    "townhall.cases.case.sla_breached": N_("It is taking longer than we aimed for"),
    "townhall.payments.payment.created": N_("A payment was started"),
    "townhall.payments.payment.succeeded": N_("Your payment went through"),
    "townhall.payments.payment.failed": N_("A payment did not go through"),
    "townhall.payments.payment.cancelled": N_("A payment was cancelled"),
    "townhall.payments.payment.expired": N_("A payment was not finished in time"),
    "townhall.payments.refund.requested": N_("A refund was asked for"),
    "townhall.payments.refund.refunded": N_("Your refund was paid"),
    "townhall.payments.refund.failed": N_("A refund did not go through"),
    "townhall.booking.slot.held": N_("A time was held for you"),
    "townhall.booking.appointment.confirmed": N_("Your visit was booked"),
    "townhall.booking.appointment.cancelled": N_("Your visit was cancelled"),
    "townhall.booking.appointment.rescheduled": N_("Your visit was moved"),
    "townhall.booking.appointment.visited": N_("We visited"),
    "townhall.booking.appointment.reminder_due": N_("A reminder of your visit"),
    "townhall.notifications.notification.sent": N_("We sent you a message"),
    "townhall.notifications.notification.delivered": N_("Our message reached you"),
    "townhall.notifications.notification.failed": N_("Our message did not reach you"),
    "townhall.identity.consent.granted": N_(
        "You agreed to share your history across council services"
    ),
    "townhall.identity.consent.withdrawn": N_(
        "You stopped sharing your history across council services"
    ),
    "townhall.identity.contact_point.already_registered": N_(
        "Someone tried to use your contact details"
    ),
    "townhall.identity.one_time_code.issued": N_("We sent you a security code"),
    "townhall.identity.resident.assurance_raised": N_("We checked who you are"),
    "townhall.identity.resident.contact_points_changed": N_("Your contact details were updated"),
    "townhall.identity.resident.details_changed": N_("Your personal details were updated"),
    "townhall.identity.resident.erased": N_("Your personal data was erased"),
    "townhall.identity.resident.identifier_linked": N_(
        "Your record was linked to another council system"
    ),
    "townhall.identity.resident.merged": N_("Duplicate records of you were combined"),
    "townhall.identity.resident.moved": N_("Your address was updated"),
    "townhall.identity.resident.unmerged": N_("Records combined by mistake were separated again"),
}


BOOKING_REASONED = frozenset({"townhall.booking.appointment.cancelled"})
SENT = "townhall.notifications.notification.sent"
#: A message sent, by its channel (notifications' event names it, never the address).
SENT_BY = {
    "email": N_("We emailed you"),
    "sms": N_("We sent you a text message"),
    "letter": N_("We sent you a letter"),
}
#: What a message sent was for, by the notifications rule that sent it (its event names
#: the rule, never what the message said); a council's own rules show no words here.
MESSAGE_FOR = {
    "case_submitted": N_("To say we received your request."),
    "case_resident_matched": N_("To say we linked the request to your record."),
    "case_status_changed": N_("To say your request moved on."),
    "case_update_posted": N_("To say there is an update on your request."),
    "one_time_code": N_("With a security code."),
    "payment_succeeded": N_("To confirm your payment."),
    "refund_refunded": N_("To say your refund was paid."),
    "appointment_confirmed": N_("To confirm your visit."),
    "appointment_rescheduled": N_("To say your visit was moved."),
    "appointment_cancelled": N_("To say your visit was cancelled."),
    "appointment_reminder_due": N_("To remind you of your visit."),
    "contact_point_already_registered": N_("To say someone tried to use your contact details."),
}
#: Booking's reasons for a cancelled visit (codes, not words), in plain words.
REASONS = {
    "no_longer_needed": N_("You cancelled it."),
    "rearranging": N_("It is being rearranged."),
    "council_cancelled": N_("The council cancelled it."),
    "other": N_("It was cancelled."),
}


#: Cases' codes for the words it writes itself (a step's ``reason_code`` or
#: ``text_code``) -> those words, their facts as placeholders.
AUTOMATIC = {
    "fee_due": N_("Pay %(amount)s to continue"),
    "payment_received": N_("Payment received"),
    "appointment_booked": N_("Appointment booked for %(day)s at %(time)s"),
    "appointment_booked_untimed": N_("Appointment booked"),
    "appointment_cancelled": N_("Appointment cancelled: please book a new one"),
    "payment_failed": N_("Your payment did not go through. Please try again."),
}


def pounds(pence: object) -> str:
    """An amount in pence as the council writes it: £65.00 ("" when there is none)."""
    return f"£{pence / 100:,.2f}" if isinstance(pence, int) and pence > 0 else ""


def _automatic(data: dict[str, Any], language: str) -> str | None:
    """Words cases wrote itself, from their code and facts, in ``language``; None when
    the code (or a fact it needs) is new to the front door: then its text is shown."""
    code = data.get("reason_code") or data.get("text_code")
    params = data.get("reason_params") or {}
    if not isinstance(code, str) or code not in AUTOMATIC or not isinstance(params, dict):
        return None
    facts: dict[str, str] = {}
    if code == "fee_due":
        if not (amount := pounds(params.get("amount_pence"))):
            return None
        facts = {"amount": amount}
    elif code == "appointment_booked":
        if "starts_at" not in params:
            code = "appointment_booked_untimed"
        elif visit := _visit(params["starts_at"], language):
            facts = visit
        else:
            return None
    return translations(language).gettext(AUTOMATIC[code]) % facts


def step(found: dict[str, Any], language: str = "en") -> dict[str, Any]:
    """One step for the page: when, what happened (marked text, or resident-view's
    summary when the type is new to the front door), the new status if it changed it,
    and the words the council wrote for the resident, if any: cases' own words in
    ``language`` from their code, an officer's as they typed them."""
    kind = str(found.get("type", "")).rsplit(".", 1)[0]
    data = found.get("data") or {}
    what: str | None
    if kind == SENT:  # which message, by which channel: never what it said
        what = SENT_BY.get(str(data.get("channel"))) or STEPS[kind]
        purpose = MESSAGE_FOR.get(str(data.get("rule")))
        text = translations(language).gettext(purpose) if purpose else ""
        data = {}
    else:
        what, text = STEPS.get(kind), ""
    return {
        "time": found.get("time"),
        "what": what,
        "summary": found.get("summary", ""),
        "status": STATUS.get(str(data.get("to_status", ""))),
        "text": text or _automatic(data, language) or data.get("text") or data.get("reason") or "",
        "reason": REASONS.get(str(data.get("reason"))) if kind in BOOKING_REASONED else None,
        # for resident.summaries to word in the page's language
        "summary_code": found.get("summary_code"),
        "summary_params": found.get("summary_params") or {},
    }


#: Payments' outcomes, by step type: the newest says whether the fee is paid.
PAYMENT_OUTCOMES = {
    "townhall.payments.payment.succeeded": True,
    "townhall.payments.payment.failed": False,
    "townhall.payments.payment.cancelled": False,
    "townhall.payments.payment.expired": False,
}
PAID_WAITING = N_("We have your payment. We will arrange what happens next.")


def _paid(steps: list[dict[str, Any]]) -> bool:
    """Whether the newest payment outcome among the steps (oldest first) is a success:
    cases moves the request on when it hears of it, a moment later."""
    paid = False
    for found in steps:
        outcome = PAYMENT_OUTCOMES.get(str(found.get("type", "")).rsplit(".", 1)[0])
        paid = paid if outcome is None else outcome
    return paid


def _visit(at: object, language: str) -> dict[str, str] | None:
    try:
        moment = datetime.fromisoformat(str(at))
    except ValueError:
        return None
    when = {"day": "d MMMM yyyy", "time": "HH:mm"}
    return {
        k: format_datetime(moment, f, tzinfo=COUNCIL_TIME, locale=language) for k, f in when.items()
    }


def next_step(tracking: dict[str, Any], language: str) -> tuple[str | None, dict[str, str]]:
    """What happens next in marked words and their facts (worded in ``language``), from
    resident-view's code; by the status when the code is new to the front door."""
    status = str(tracking.get("status") or "")
    found = tracking.get("next") or {}
    code, params = str(found.get("code") or ""), found.get("params") or {}
    if code == "ended" and params.get("status") in NEXT:
        return NEXT[str(params["status"])], {}
    if code in FEELESS:
        fee = pounds(params.get("fee_pence"))
        return (NEXT_STEPS[code], {"fee": fee}) if fee else (FEELESS[code], {})
    if code == "visit_booked" and (visit := _visit(params.get("visit_at"), language)):
        return NEXT_STEPS[code], visit
    if code in NEXT_STEPS and code != "visit_booked":
        return NEXT_STEPS[code], {}
    return NEXT.get(status), {}


def state(tracking: dict[str, Any], language: str = "en") -> dict[str, Any]:
    """The request's state for the page: status and next step in marked words (with
    their facts worded in ``language``), and whether its fee is still to pay."""
    status = str(tracking.get("status") or "")
    steps = tracking.get("steps", [])
    paid = status == "awaiting_payment" and _paid(steps)
    then, facts = (PAID_WAITING, {}) if paid else next_step(tracking, language)
    return {
        "reference": tracking.get("reference"),
        "status": STATUS.get(status),
        "payable": status == "awaiting_payment" and not paid,
        "next": then,
        "next_args": facts,
        "next_step": tracking.get("next_step", ""),
        "since": tracking.get("status_since"),
        "due": tracking.get("due_at"),
        "overdue": bool(tracking.get("overdue")),
        "withheld": bool(tracking.get("withheld_until_verified")),
        "steps": [step(s, language) for s in reversed(steps)],
    }
