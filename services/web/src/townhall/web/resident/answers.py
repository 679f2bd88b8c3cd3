"""What a resident typed on the front door's pages, checked before any service is called.

As in the workspace (``forms.py``): a mistake shows the GOV.UK error summary and a
message at each field, keeps what was typed, and sends nothing anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from townhall.web.forms import REFERENCE, Checked
from townhall.web.i18n import N_

#: A whole postcode (the workspace's search also takes its first half).
FULL_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?\s*[0-9][A-Z]{2}$", re.IGNORECASE)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NAME_MAX = 100


def _values(form: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in names}


def postcode(text: str) -> str:
    """A postcode as it is printed: upper case, one space before the last three."""
    compact = re.sub(r"\s", "", text).upper()
    return f"{compact[:-3]} {compact[-3:]}"


def where(form: Mapping[str, str], required: bool) -> Checked:
    """Where it is: the address (or a description of the place) and the postcode."""
    checked = Checked(_values(form, ("address", "postcode")))
    v = checked.values
    if required and not v["address"]:
        checked.error("address", N_("Enter the address or describe where it is"))
    elif len(v["address"]) > 450:
        checked.error("address", N_("The address must be 450 characters or fewer"))
    if required and not v["postcode"]:
        checked.error("postcode", N_("Enter a postcode"))
    elif v["postcode"] and not FULL_POSTCODE.match(v["postcode"]):
        checked.error("postcode", N_("Enter a real postcode, like SW1A 1AA"))
    elif v["postcode"]:
        v["postcode"] = postcode(v["postcode"])
    return checked


def description(form: Mapping[str, str]) -> Checked:
    checked = Checked(_values(form, ("description",)))
    if len(checked.values["description"]) > 4000:
        checked.error("description", N_("The description must be 4000 characters or fewer"))
    return checked


def _check_email(checked: Checked, name: str) -> None:
    email = checked.values[name]
    if not email:
        checked.error(name, N_("Enter your email address"))
    elif not EMAIL.match(email) or len(email) > 254:
        checked.error(
            name, N_("Enter an email address in the correct format, like name@example.org")
        )


def _uk_phone(text: str) -> bool:
    """A UK number as identity takes it: 0 and 9 or 10 more digits (or +44 for the 0)."""
    compact = re.sub(r"[\s()-]", "", text)
    if compact.startswith("+44"):
        compact = "0" + compact[3:]
    return re.fullmatch(r"0\d{9,10}", compact) is not None


def _check_phone(checked: Checked, name: str) -> None:
    phone = checked.values[name]
    if not phone:
        checked.error(name, N_("Enter your mobile phone number"))
    elif not _uk_phone(phone):
        checked.error(name, N_("Enter a phone number, like 07700 900 982"))


def contact(form: Mapping[str, str]) -> Checked:
    """The resident's name, email address and mobile number, each optional; with a way
    to reach them, the name is needed too (identity registers who reports). ``how`` is
    where the one-time code goes: the email address, else the phone, else nowhere."""
    checked = Checked(_values(form, ("given_name", "family_name", "email", "phone")))
    v = checked.values
    if v["email"]:
        _check_email(checked, "email")
    if v["phone"]:
        _check_phone(checked, "phone")
    v["how"] = "email" if v["email"] else "phone" if v["phone"] else "none"
    named = v["how"] != "none"
    for name, missing in (
        ("given_name", N_("Enter your first name")),
        ("family_name", N_("Enter your last name")),
    ):
        if named and not v[name]:
            checked.error(name, missing)
        elif len(v[name]) > NAME_MAX:
            checked.error(name, N_("Names must be 100 characters or fewer"))
    return checked


def track(form: Mapping[str, str]) -> Checked:
    """A request's reference and the email address or phone number given with it."""
    checked = Checked(_values(form, ("reference", "contact")))
    v = checked.values
    v["reference"] = v["reference"].upper().replace(" ", "")
    if not v["reference"]:
        checked.error("reference", N_("Enter the reference of your request"))
    elif not REFERENCE.match(v["reference"]):
        checked.error("reference", N_("Enter a reference like PC-2026-000123"))
    if not v["contact"]:
        checked.error("contact", N_("Enter the email address or phone number you gave us"))
    elif "@" in v["contact"]:
        _check_email(checked, "contact")
    else:
        _check_phone(checked, "contact")
    return checked


def code(form: Mapping[str, str]) -> Checked:
    checked = Checked(_values(form, ("code",)))
    typed = re.sub(r"\s", "", checked.values["code"])
    checked.values["code"] = typed
    if not typed:
        checked.error("code", N_("Enter the code we sent you"))
    elif not (typed.isdigit() and len(typed) == 6):
        checked.error("code", N_("The code is the 6 numbers in the message we sent you"))
    return checked
