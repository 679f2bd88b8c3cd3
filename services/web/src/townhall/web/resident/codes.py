"""Identity's one-time codes as the resident pages use them: the code typed, redeemed
for a short token that names who the resident is (and, to follow, which request); a
reporter's token then names the request they made, so they follow it with no second
code."""

from __future__ import annotations

from collections.abc import Mapping

from townhall.web.forms import Checked
from townhall.web.i18n import N_
from townhall.web.officer.workspace import Workspace
from townhall.web.resident import answers
from townhall.web.resident.upstream import Visit
from townhall.web.sessions import Session, Tokens
from townhall.web.upstream import InvalidError, NotSignedInError, ThrottledError, UpstreamError

WRONG = N_("The code is wrong or has expired. Check the message, or ask for a new code.")
TOO_MANY = N_("Too many wrong codes. Wait a minute, then ask for a new code.")
TOO_MANY_SENT = N_(
    "We have sent a lot of codes to this contact. Wait a few minutes, then try again."
)
SENT_AGAIN = N_("We have sent you a new code. Use the newest one.")
NOT_SENDABLE = N_("We cannot send a code to this contact. Check it, or give another.")


async def send(
    workspace: Workspace, session: Session, contact: Mapping[str, str], checked: Checked, name: str
) -> str | None:
    """Ask identity to send a code to ``contact``, in the language the resident chose;
    its reference, or None with the reason at the field ``name`` (too many codes asked
    for, or a contact identity refuses)."""
    try:
        return await workspace.access.send_code(contact, session.language)
    except ThrottledError:
        checked.error(name, TOO_MANY_SENT)
    except InvalidError:
        checked.error(name, NOT_SENDABLE)
    return None


async def redeem(
    workspace: Workspace, session: Session, form: Mapping[str, str], client: str
) -> tuple[Checked, Visit | None]:
    """The code as typed (with any mistake at its field) and, when identity took the
    code the session is waiting for, the token it gave."""
    pending = session.pending
    assert pending is not None
    checked = answers.code(form)
    if not checked.ok:
        return checked, None
    try:
        visit = await workspace.access.redeem(pending.reference, checked.values["code"], client)
    except (NotSignedInError, InvalidError):
        checked.error("code", WRONG)
    except ThrottledError:
        checked.error("code", TOO_MANY)
    else:
        # proved: a new session id, so one planted in the browser before is worth nothing
        workspace.sessions.renew(session)
        return checked, visit
    return checked, None


async def follow_reported(workspace: Workspace, session: Session, token: str) -> None:
    """The token the reporter's code gave, for one naming the request just sent with it
    (``session.sent``), kept as a code to follow it would be. If identity will not
    (down, or refusing), the resident follows it later with a code, as before."""
    reference = session.sent.get("reference") if session.sent else None
    if not reference:
        return
    try:
        visit = await workspace.access.name_request(token, reference)
    except UpstreamError:
        return
    expires_at = workspace.sessions.clock() + visit.expires_in
    session.following[reference] = Tokens(visit.access_token, "", expires_at)
