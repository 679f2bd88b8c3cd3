"""The sandbox's hosted card page: plain server-rendered HTML, no script, no styles.

Served only when the sandbox is the provider. The card number is read from the form,
handed to the sandbox to pick the outcome, and dropped: it is never stored, logged,
echoed back in a page or an error, or passed on. The form is parsed here rather than
by a validating model, whose errors would repeat the input.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from townhall.payments.adapters.sandbox import Charge, SandboxProvider, UnknownTestCardError
from townhall.payments.domain.exceptions import ProviderError
from townhall.payments.entrypoints.api.dependencies import ServicesDep, UsesCardPage
from townhall.runtime.problems import NotFound

router = APIRouter(include_in_schema=False)

TEXT = {
    "en": {
        "title": "Enter card details",
        "amount": "Amount",
        "card": "Card number",
        "expiry": "Expiry date (MM/YY)",
        "name": "Name on card",
        "cvc": "Card security code",
        "pay": "Continue",
        "cancel": "Cancel payment",
        "sandbox": "This is the Townhall sandbox: no money is taken. Use a test card:",
        "unknown": "Use one of the test card numbers below.",
        "success": "Your payment was successful",
        "failed": "Your payment was declined",
        "error": "We're experiencing technical problems. No money has been taken.",
        "cancelled": "Your payment was cancelled",
        "continue": "Continue",
    },
    "cy": {
        "title": "Rhowch fanylion y cerdyn",
        "amount": "Swm",
        "card": "Rhif y cerdyn",
        "expiry": "Dyddiad dod i ben (MM/BB)",
        "name": "Enw ar y cerdyn",
        "cvc": "Cod diogelwch y cerdyn",
        "pay": "Parhau",
        "cancel": "Canslo'r taliad",
        "sandbox": "Blwch tywod Townhall yw hwn: ni chymerir arian. Defnyddiwch gerdyn prawf:",
        "unknown": "Defnyddiwch un o'r rhifau cerdyn prawf isod.",
        "success": "Roedd eich taliad yn llwyddiannus",
        "failed": "Gwrthodwyd eich taliad",
        "error": "Rydym yn cael problemau technegol. Nid oes arian wedi'i gymryd.",
        "cancelled": "Cafodd eich taliad ei ganslo",
        "continue": "Parhau",
    },
}
TEST_CARD_LIST = (
    ("4444333322221111", "success"),
    ("4000000000000002", "declined"),
    ("4000000000000119", "error"),
)


async def _open(services: ServicesDep, provider_id: str) -> tuple[SandboxProvider, Charge]:
    """The sandbox and the payment its page is for: 404 for anything else."""
    if services.sandbox is None:
        raise NotFound()
    try:
        return services.sandbox, await services.sandbox.open_page(provider_id)
    except ProviderError:
        raise NotFound("no such payment page") from None


def _page(language: str, title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status)


def _form(provider_id: str, text: dict[str, str], amount: int, description: str, error: str) -> str:
    cards = "".join(f"<li><code>{n}</code>: {outcome}</li>" for n, outcome in TEST_CARD_LIST)
    warning = f'<p role="alert"><strong>{escape(error)}</strong></p>' if error else ""
    fields = "".join(
        f'<p><label for="{name}">{text[label]}</label><br>'
        f'<input id="{name}" name="{name}" autocomplete="{auto}" {extra}></p>'
        for name, label, auto, extra in (
            ("card_number", "card", "cc-number", 'inputmode="numeric" required'),
            ("expiry", "expiry", "cc-exp", ""),
            ("cardholder_name", "name", "cc-name", ""),
            ("cvc", "cvc", "cc-csc", 'inputmode="numeric"'),
        )
    )
    return (
        f"<h1>{text['title']}</h1>{warning}"
        f"<p>{escape(description)}</p><p>{text['amount']}: £{amount / 100:.2f}</p>"
        f'<form method="post" action="/sandbox/card/{escape(provider_id)}">{fields}'
        f'<button name="action" value="pay">{text["pay"]}</button> '
        f'<button name="action" value="cancel" formnovalidate>{text["cancel"]}</button></form>'
        f"<p>{text['sandbox']}</p><ul>{cards}</ul>"
    )


def _finished(language: str, status: str, code: str | None, return_url: str) -> HTMLResponse:
    text = TEXT[language]
    key = "cancelled" if code == "P0030" else status if status in text else "error"
    body = f'<h1>{text[key]}</h1><p><a href="{escape(return_url)}">{text["continue"]}</a></p>'
    return _page(language, text[key], body)


@router.get("/sandbox/card/{provider_id}", response_class=HTMLResponse)
async def card_page(provider_id: str, services: ServicesDep, _: UsesCardPage) -> HTMLResponse:
    _sandbox, charge = await _open(services, provider_id)
    payment = charge.payment
    language = payment.language if payment.language in TEXT else "en"
    if charge.status not in ("created", "started"):
        return _finished(language, charge.status, charge.code, payment.return_url)
    text = TEXT[language]
    body = _form(provider_id, text, payment.amount, payment.description, "")
    return _page(language, text["title"], body)


@router.post("/sandbox/card/{provider_id}", response_class=HTMLResponse)
async def submit_card(
    provider_id: str, request: Request, services: ServicesDep, _: UsesCardPage
) -> HTMLResponse:
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    sandbox, charge = await _open(services, provider_id)
    payment = charge.payment
    language = payment.language if payment.language in TEXT else "en"
    if charge.status not in ("created", "started"):
        return _finished(language, charge.status, charge.code, payment.return_url)
    try:
        if form.get("action") == "cancel":
            charge = await sandbox.give_up(provider_id)
        else:
            charge = await sandbox.pay(provider_id, str(form.get("card_number") or ""))
    except UnknownTestCardError:
        text = TEXT[language]
        body = _form(provider_id, text, payment.amount, payment.description, text["unknown"])
        return _page(language, text["title"], body, status=422)
    return _finished(language, charge.status, charge.code, payment.return_url)
