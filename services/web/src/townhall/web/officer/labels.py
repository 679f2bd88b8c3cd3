"""Names officers read for the codes the services use (English, translated where shown)."""

from __future__ import annotations

from townhall.web.i18n import N_

DOMAINS = {
    "waste": N_("Waste"),
    "pest_control": N_("Pest control"),
    "street_cleaning": N_("Street cleaning"),
    "parking": N_("Parking"),
    "housing": N_("Housing"),
    "council_tax": N_("Council tax"),
    "social_care": N_("Social care"),
    "contact_centre": N_("Contact centre"),
    "identity": N_("Resident record"),
    "payments": N_("Payments"),
    "booking": N_("Bookings"),
    "notifications": N_("Messages"),
}
CHANNELS = {
    "online": N_("Online"),
    "phone": N_("Phone"),
    "face_to_face": N_("Face to face"),
    "letter": N_("Letter"),
    "webchat": N_("Webchat"),
    "email": N_("Email"),
    "open311": N_("Open311"),
}
STATUSES = {
    "submitted": N_("Submitted"),
    "triaged": N_("Triaged"),
    "in_progress": N_("In progress"),
    "awaiting_payment": N_("Awaiting payment"),
    "scheduled": N_("Scheduled"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
    "cancelled": N_("Cancelled"),
    "rejected": N_("Rejected"),
}
MATCH_REASONS = {
    "name": N_("name"),
    "similar_name": N_("similar name"),
    "nickname": N_("nickname"),
    "former_name": N_("former name"),
    "date_of_birth": N_("date of birth"),
    "date_of_birth_swapped": N_("date of birth, day and month swapped"),
    "postcode": N_("postcode"),
    "postcode_district": N_("first half of postcode"),
    "former_address": N_("former address"),
    "uprn": N_("property reference (UPRN)"),
    "email": N_("email"),
    "phone": N_("phone"),
    "identifier": N_("reference in another system"),
    "case_reference": N_("case reference"),
    "merged_record": N_("a record merged into this one"),
}
#: How a contact reached the council (an officer logs it; residents' own are "online").
CONTACT_CHANNELS = {
    "phone": N_("Phone"),
    "face_to_face": N_("Face to face"),
    "email": N_("Email"),
    "webchat": N_("Webchat"),
    "letter": N_("Letter"),
}
#: Why they got in touch: "progress_chase" is failure demand (chasing what should have come).
CONTACT_REASONS = {
    "new_request": N_("A new request"),
    "progress_chase": N_("Chasing something they are waiting for"),
    "complaint": N_("A complaint"),
    "information": N_("Asking for information"),
    "payment": N_("A payment"),
    "booking": N_("A booking"),
    "other": N_("Something else"),
}
CONTACT_OUTCOMES = {
    "resolved": N_("Resolved during the contact"),
    "case_created": N_("A request was raised"),
    "case_updated": N_("A request was updated"),
    "referred": N_("Referred to a service"),
    "callback": N_("A call back is due"),
    "no_action": N_("No action needed"),
}
