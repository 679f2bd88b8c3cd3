"""A believable synthetic council for ``make run``: residents with history in every service.

A newcomer who opens the officer workspace on a fresh ``make run`` should see a council,
not four test accounts: residents who rang about a missed bin, paid for pest control and
have a visit booked, asked for a bulky waste collection and then cancelled it (and were
refunded), reported fly-tipping or noise. This module makes that history the way it
would really arise, through the services' own APIs over HTTP (never their databases), so
every step is an event on Kafka and lands on the residents' timelines:

1. a contact centre officer takes each caller's details (identity ``POST /records/match``,
   so a caller already known, from the legacy systems say, is the same resident);
2. raises their requests by phone, face to face, email, webchat or letter (cases), and
   logs the call;
3. takes the fee over the phone (payments: a MOTO payment, the caller's card typed on the
   sandbox's card page with GOV.UK Pay's succeeding test card);
4. books the visit or collection (booking: availability, hold, confirm); one in ten is
   cancelled again, and payments refunds it by the service type's rule;
5. the service's officers work their queue (missed bins triaged and resolved).

Everything is synthetic and obviously fake (``example.org`` addresses, invented names and
streets; postcodes in districts booking's bundled calendars cover, so visits can be
booked, which may happen to exist). It runs once per var folder (``demo-council.json``
records how far it got, so a restart carries on) and reports its progress as it goes.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import structlog

log = structlog.get_logger(__name__)

#: identity's demo officers' password (townhall.identity.seed.DEMO_PASSWORD, which the
#: embedded default seeds): a development convenience, never a production account.
DEMO_PASSWORD = "townhall-demo-password"
CONTACT_CENTRE = "demo.contact@example.org"
#: Who works each service type's queue among identity's demo officers.
WORKERS = {
    "pest_control": "demo.pest@example.org",
    "missed_bin": "demo.waste@example.org",
    "bulky_waste": "demo.waste@example.org",
}
#: A test card GOV.UK Pay documents as succeeding (the sandbox takes the same ones).
SUCCEEDING_CARD = "4444333322221111"
PROGRESS_FILE = "demo-council.json"
#: How many residents the progress file names, to look up first.
SAMPLE = 5
#: How long to wait for a service to learn of a request from cases' event.
EVENTUAL_S = 30.0

GIVEN = ("Aisha", "Bethan", "Carys", "Delroy", "Eira", "Femi", "Gareth", "Hana", "Ieuan",
         "Jas", "Kofi", "Lowri", "Mair", "Niamh", "Owain", "Priya", "Rhodri", "Sian", "Tomasz",
         "Uma", "Wyn", "Yusuf", "Zofia", "Callum", "Mared", "Olu", "Rosa", "Steffan")  # fmt: skip
FAMILY = ("Example", "Sampleton", "Specimen", "Placeholder", "Testwood", "Mockford",
          "Fakeley", "Dummett", "Notreal", "Madeupson", "Pretendo", "Imaginary", "Fictus",
          "Synthe", "Modello", "Prototyp", "Demonstr", "Lorem")  # fmt: skip
STREETS = ("Example Street", "Sample Road", "Test Lane", "Demo Avenue", "Mock Terrace",
           "Fake Close", "Pretend Place", "Fictional Row")  # fmt: skip
#: Outward codes booking's bundled calendars cover (pest control: N, E, EC, SE, SW;
#: bulky waste: N1, N7, N19, SE1, SE5, SW9).
DISTRICTS = ("N1", "N7", "N19", "SE1", "SE5", "SW9")
CHANNELS = ("phone", "phone", "phone", "face_to_face", "email", "webchat", "letter")
#: How often each service type is asked for (of the bundled catalogue's).
DEMAND = {
    "missed_bin": 5,
    "pest_control": 3,
    "bulky_waste": 3,
    "fly_tipping": 2,
    "noise_complaint": 1,
    "parking_permit": 1,
}


@dataclass(frozen=True)
class Caller:
    """One synthetic resident, as they give their details on the phone."""

    number: int
    title: str
    given_name: str
    family_name: str
    date_of_birth: date
    house_number: str
    street: str
    postcode: str
    email: str
    phone: str

    @property
    def address(self) -> str:
        return f"{self.house_number} {self.street}, London {self.postcode}"


def callers(count: int, seed: int = 2026) -> list[Caller]:
    """``count`` callers, the same ones every time for the same seed."""
    rng = random.Random(seed)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    found = []
    for number in range(count):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 65))
        unit = f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
        found.append(
            Caller(
                number=number,
                title=rng.choice(("Mr", "Mrs", "Ms", "Miss", "Mx")),
                given_name=given,
                family_name=family,
                date_of_birth=born,
                house_number=str(rng.randint(1, 180)),
                street=rng.choice(STREETS),
                postcode=f"{rng.choice(DISTRICTS)} {unit}",
                email=f"{given.lower()}.{family.lower()}.{number}@example.org",
                phone=f"07700 9{number % 100000:05d}",
            )
        )
    return found


def details_for(service_code: str, rng: random.Random) -> dict[str, Any] | None:
    """What a caller asks for, as the bundled catalogue's form for the type takes it."""
    if service_code == "missed_bin":
        return {"bin_type": rng.choice(("general", "recycling", "garden", "food"))}
    if service_code == "pest_control":
        return {"pest": rng.choice(("rats", "mice", "wasps", "bedbugs")), "rooms_affected": 1}
    if service_code == "bulky_waste":
        return {"items": rng.sample(["sofa", "mattress", "fridge", "wardrobe", "table"], 2)}
    if service_code == "fly_tipping":
        return {"waste_type": rng.choice(("household", "garden", "tyres")), "size": "car_boot"}
    if service_code == "noise_complaint":
        return {"source": rng.choice(("neighbour", "business", "alarm")), "times": ["night"]}
    if service_code == "parking_permit":
        plate = f"DM{rng.randint(10, 99)} {''.join(rng.choices('ABCDEFGHJK', k=3))}"
        return {"vehicle_registration": plate, "zone": rng.choice("ABCD")}
    return None


DESCRIPTIONS = {
    "missed_bin": "Bin not emptied on collection day",
    "pest_control": "Signs of pests in the kitchen",
    "bulky_waste": "Collection of old furniture",
    "fly_tipping": "Rubbish dumped in the lane behind the houses",
    "noise_complaint": "Noise late at night",
    "parking_permit": "Resident's parking permit",
}


@dataclass
class Progress:
    """How far the demo council has got; saved after each caller, so a restart goes on."""

    total: int
    residents: int = 0
    requests: int = 0
    paid: int = 0
    booked: int = 0
    cancelled: int = 0
    worked: int = 0
    skipped: list[str] = field(default_factory=list)
    #: A few residents and their requests, to look up first (resident id → references).
    sample: dict[str, list[str]] = field(default_factory=dict)
    #: The first request of each kind of history: what → [resident id, reference].
    examples: dict[str, list[str]] = field(default_factory=dict)

    def saw(self, what: str, resident_id: str, reference: str) -> None:
        self.examples.setdefault(what, [resident_id, reference])

    @property
    def done(self) -> bool:
        return self.residents >= self.total

    def line(self) -> str:
        return (
            f"demo council: {self.residents} of {self.total} residents, "
            f"{self.requests} requests, {self.paid} paid, {self.booked} visits booked "
            f"({self.cancelled} cancelled), {self.worked} worked by officers"
        )


def load_progress(path: Path, total: int) -> Progress:
    if not path.exists():
        return Progress(total)
    try:
        saved = json.loads(path.read_text())
        return Progress(**{**saved, "total": max(total, int(saved.get("residents", 0)))})
    except (ValueError, TypeError):
        return Progress(total)


class DemoError(RuntimeError):
    """A service answered something the demo cannot go on from."""


class Council:
    """The demo's officers at work, over the services' HTTP APIs."""

    def __init__(self, urls: dict[str, str], client: httpx.Client, rng: random.Random) -> None:
        self.urls = urls
        self.client = client
        self.rng = rng
        self._tokens: dict[str, str] = {}

    # --- calls ---------------------------------------------------------------------

    def _token(self, officer: str, *, fresh: bool = False) -> str:
        if fresh or officer not in self._tokens:
            answer = self.client.post(
                f"{self.urls['identity']}/auth/officer-token",
                json={"email": officer, "password": DEMO_PASSWORD},
            )
            _expect(answer, 200, "sign in as a demo officer")
            self._tokens[officer] = str(answer.json()["access_token"])
        return self._tokens[officer]

    def call(
        self, officer: str, method: str, url: str, *, headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:  # fmt: skip
        """A call as ``officer``; signed in again once if the token has expired."""
        for fresh in (False, True):
            sent = {"Authorization": f"Bearer {self._token(officer, fresh=fresh)}"}
            answer = self.client.request(method, url, headers={**sent, **(headers or {})}, **kwargs)
            if answer.status_code != 401:
                return answer
        return answer

    def eventually(
        self, attempt: Callable[[], httpx.Response], ready: Callable[[httpx.Response], bool]
    ) -> httpx.Response:
        """Call until ``ready`` (a service learns of a request from cases' event)."""
        deadline, pause = time.monotonic() + EVENTUAL_S, 0.05
        while True:
            answer = attempt()
            if ready(answer) or time.monotonic() > deadline:
                return answer
            time.sleep(pause)
            pause = min(pause * 2, 1.0)

    # --- what the officers do -----------------------------------------------------------

    def register(self, caller: Caller) -> str | None:
        """The caller's resident (known already, or new); None if identity is unsure
        (a review item for the identity team: that too is part of a real council)."""
        record = {
            "system": "contact_centre",
            "reference": f"demo-caller-{caller.number}",
            "title": caller.title,
            "given_name": caller.given_name,
            "family_name": caller.family_name,
            "date_of_birth": caller.date_of_birth.isoformat(),
            "house_number": caller.house_number,
            "address_line": caller.street,
            "town": "London",
            "postcode": caller.postcode,
            "email": caller.email,
            "phone": caller.phone,
        }
        url = f"{self.urls['identity']}/records/match"
        answer = self.call(CONTACT_CENTRE, "POST", url, json=record)
        _expect(answer, 200, "match a caller's record")
        matched = answer.json()
        return str(matched["resident_id"]) if matched.get("resident_id") else None

    def raise_request(self, resident_id: str, caller: Caller, service_code: str) -> str | None:
        details = details_for(service_code, self.rng)
        if details is None:
            return None
        channel = self.rng.choice(CHANNELS)
        case = {
            "service_code": service_code,
            "details": details,
            "description": DESCRIPTIONS.get(service_code, "Raised by the contact centre"),
            "channel": channel,
            "resident_id": resident_id,
            "location": {"address": caller.address},
        }
        answer = self.call(CONTACT_CENTRE, "POST", f"{self.urls['cases']}/cases", json=case)
        _expect(answer, 201, f"raise a {service_code} request")
        reference = str(answer.json()["reference"])
        contact = {
            "resident_id": resident_id,
            "case_reference": reference,
            "channel": channel,
            "reason": "new_request",
            "outcome": "case_created",
            "duration_seconds": self.rng.randint(120, 900),
        }
        if channel in ("phone", "face_to_face", "webchat"):
            logged = self.call(
                CONTACT_CENTRE, "POST", f"{self.urls['cases']}/contacts", json=contact
            )
            _expect(logged, 201, "log the call")
        return reference

    def pay(self, reference: str, service_code: str) -> str | None:
        """Take the fee over the phone: the service's officer types the caller's card on
        the card page (a MOTO payment at GOV.UK Pay; the sandbox's page on the embedded
        default). None when paid, else why not."""
        officer = WORKERS.get(service_code)
        if officer is None:
            return "no demo officer takes payments for it"
        url = f"{self.urls['payments']}/cases/{reference}/payments"
        body = {"return_url": f"{self.urls.get('web', self.urls['payments'])}/"}
        key = {"Idempotency-Key": f"demo-{reference}"}
        started = self.eventually(
            lambda: self.call(officer, "POST", url, json=body, headers=key),
            lambda answer: answer.status_code != 404,  # payments learns of it from cases
        )
        if started.status_code not in (200, 201):
            return f"payments answered {started.status_code}: {started.text[:120]}"
        next_url = str(started.json().get("next_url") or "")
        if "/sandbox/card/" not in next_url:
            return "a real provider's card page: only a person can pay there"
        paid = self.client.post(next_url, data={"card_number": SUCCEEDING_CARD, **_CARD})
        return None if paid.status_code < 400 else f"card page answered {paid.status_code}"

    def book(self, reference: str, caller: Caller) -> dict[str, Any] | None:
        base = f"{self.urls['booking']}/cases/{reference}"
        free = self.eventually(
            lambda: self.call(
                CONTACT_CENTRE, "GET", f"{base}/availability",
                params={"postcode": caller.postcode, "days": 21},
            ),
            lambda answer: answer.status_code != 404,
        )  # fmt: skip
        if free.status_code != 200 or not free.json()["slots"]:
            return None
        for slot in self.rng.sample(free.json()["slots"], min(3, len(free.json()["slots"]))):
            choice = {
                "resource": slot["resource"],
                "starts_at": slot["starts_at"],
                "postcode": caller.postcode,
            }
            held = self.call(CONTACT_CENTRE, "POST", f"{base}/holds", json=choice)
            if held.status_code != 201:
                continue  # taken meanwhile, or a rule: try another
            hold_id = held.json()["id"]
            confirmed = self.call(CONTACT_CENTRE, "POST", f"{base}/holds/{hold_id}/confirm")
            if confirmed.status_code == 200:
                appointment: dict[str, Any] = confirmed.json()
                return appointment
        return None

    def cancel(self, reference: str, appointment_id: str) -> bool:
        url = f"{self.urls['booking']}/cases/{reference}/appointments/{appointment_id}/cancel"
        answer = self.call(CONTACT_CENTRE, "POST", url, json={"reason": "no_longer_needed"})
        return answer.status_code == 200

    def work(self, reference: str, service_code: str, steps: list[str]) -> bool:
        """The service's officer moves the request through ``steps``."""
        officer = WORKERS.get(service_code)
        if officer is None:
            return False
        url = f"{self.urls['cases']}/cases/{reference}/transitions"
        for step in steps:
            moved = self.call(officer, "POST", url, json={"to": step, "reason": _REASONS[step]})
            if moved.status_code >= 400:
                return False
        return True


_CARD = {
    "expiry": f"12/{(date.today().year + 3) % 100:02d}",
    "cardholder_name": "Demo Cardholder",
    "cvc": "123",
    "action": "pay",
}
_REASONS = {
    "triaged": "Checked and added to the round",
    "in_progress": "Crew on the way",
    "resolved": "Collected on the next round",
    "closed": "No further action",
}


def _expect(answer: httpx.Response, status: int, doing: str) -> None:
    if answer.status_code != status:
        raise DemoError(f"{doing}: {answer.status_code} {answer.text[:300]}")


def _asked(rng: random.Random) -> Iterator[str]:
    codes, weights = list(DEMAND), list(DEMAND.values())
    for _ in range(rng.choices((1, 2, 3), weights=(6, 3, 1))[0]):
        yield rng.choices(codes, weights=weights)[0]


def seed(
    urls: dict[str, str],
    residents: int,
    var_dir: Path,
    *,
    report: Callable[[Progress], None] = lambda progress: None,
    client: httpx.Client | None = None,
) -> Progress:
    """Make (or finish making) the demo council of ``residents`` callers; report after
    each tenth of them. Its progress is kept in ``var_dir``."""
    path = var_dir / PROGRESS_FILE
    progress = load_progress(path, residents)
    if progress.done:
        return progress
    own = client is None
    http = client or httpx.Client(timeout=30.0, trust_env=False)
    step = max(1, residents // 10)
    try:
        for caller in callers(residents)[progress.residents :]:
            council = Council(urls, http, random.Random(f"demo-{caller.number}"))
            _one(council, caller, progress)
            progress.residents += 1
            path.write_text(json.dumps(asdict(progress)))
            if progress.residents % step == 0 or progress.done:
                report(progress)
    finally:
        if own:
            http.close()
    return progress


def _one(council: Council, caller: Caller, progress: Progress) -> None:
    resident_id = council.register(caller)
    if resident_id is None:
        progress.skipped.append(f"caller {caller.number}: identity sent them to review")
        return
    for service_code in _asked(council.rng):
        reference = council.raise_request(resident_id, caller, service_code)
        if reference is None:
            continue
        progress.requests += 1
        if len(progress.sample) < SAMPLE or resident_id in progress.sample:
            progress.sample.setdefault(resident_id, []).append(reference)
        if service_code in ("pest_control", "bulky_waste"):
            unpaid = council.pay(reference, service_code)
            if unpaid is not None:
                progress.skipped.append(f"{reference}: not paid: {unpaid}")
                continue
            progress.paid += 1
            progress.saw("paid", resident_id, reference)
            appointment = council.book(reference, caller)
            if appointment is None:
                progress.skipped.append(f"{reference}: no visit booked (no free slot held)")
                continue
            progress.booked += 1
            progress.saw("booked", resident_id, reference)
            if council.rng.random() < 0.1 and council.cancel(reference, str(appointment["id"])):
                progress.cancelled += 1
                progress.saw("cancelled", resident_id, reference)
        elif service_code == "missed_bin" and council.rng.random() < 0.7:
            steps = ["triaged", "resolved"] if council.rng.random() < 0.6 else ["triaged"]
            if council.work(reference, service_code, steps):
                progress.worked += 1
                progress.saw("worked", resident_id, reference)
