"""Three legacy systems, each recording the council's true people its own way.

Rates are chosen from how such systems are filled in, not from what a matcher finds
easy; none was changed after seeing a score.

* council tax: one row per account (a property and its liable people, at most two).
  No date of birth, no contact points. Names as the billing system stores them, most
  accounts migrated from older systems that kept title and initial: 45% "MR J SMITH",
  25% "MR JOHN SMITH", 15% "J SMITH", 15% title and surname only ("MRS SMITH"); joint
  liability as one name, "MR J & MRS A SMITH". A Jr/Sr is typed into the surname 30%
  of the time ("SMITH JNR"). Property as one upper-case line with flat and house name;
  postcode 98%, UPRN 85% (the LLPG link is missing on older accounts). Name typos 2%.
* waste: one row per call (missed bin, bulky collection, new bin), typed by a call
  handler from what the caller says: the caller's everyday name (a nickname when they
  have one, half the time), typos 10%, forename and surname swapped 4%, an initial for
  the forename 3%. The address line as typed ("12 elm rd"); postcode given 75%, of it
  a tenth only the outward code ("ZX3") and a tenth mistyped; UPRN 40% (when the
  handler picked the address from the gazetteer); a phone 70% (mobile or the house's
  landline), email 15%. No date of birth.
* housing: one row per member of a tenancy or housing-register application (about a
  fifth of households). Title, forenames (with a middle name 40% of the time when
  they have one, a "known as" nickname 5%), surname, date of birth 95% as dd/mm/yyyy
  (day and month transposed in 3% of those whose day could be a month), NI number
  for 75% of adults in varied spacing, the household's shared email where it has one,
  phone 80%, typos 3%, postcode 99%, UPRN 98%.

Former surnames. Both council-tax change-of-name forms and housing applications ask
for a "previous surname", so both systems can hold one, but only some of their rows do:
* council tax: the account amended at a wedding to name the couple (the change of name
  form) keeps the previous surname of whoever changed theirs 60% of the time (older
  billing systems drop it, officers skip it); accounts opened later, at a new home,
  never do (the form asks only about the people and the property).
* housing: a row for someone whose surname changed before the row's date gives the
  previous surname 50% of the time (the application asks for it; not every officer
  types it in, and records migrated from older systems lost it).
* waste: never (a caller gives the name they use).
Each such sighting is tagged `former_recorded`. Rates are guesses at practice, not
measurements; see identity's README.

Previous addresses. Councils' forms ask where someone came from, so two systems can
hold a former address beside the current one:
* council tax: the "moving in" form (and the change-of-name form when a spouse moves
  in at a wedding) asks for the address the liable person moved from. An account
  opened by a move in the window keeps it for each holder who moved 60% of the time
  (online forms require it; paper forms and accounts migrated from older billing
  systems often lack it). An account open since before the window has none: the
  person was already there.
* housing: the application asks for every address of the last five years (for the
  local connection test); a row keeps the in-window ones 70% of the time.
* waste: never (a caller gives the address of the bins).
Each such sighting is tagged `previous_recorded`. Drawn from a stream of its own, so
the rest of the council is the one it was before systems recorded them; the rates are
guesses at practice, set before any score was seen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from bench_identity.council.people import (
    WINDOW_END,
    WINDOW_START,
    Address,
    Council,
    Household,
    Person,
)
from townhall.identity.linkage.synthetic_people import typo

SYSTEMS = ("council_tax", "waste", "housing")


@dataclass(frozen=True, slots=True)
class LegacyRow:
    """A row as a legacy system holds it, with the truth kept beside it.

    `people` are the true persons the row names, in the order named (two for a joint
    council-tax account); `tags` says, per person, what makes this sighting hard
    (initial, title_only, nickname, typo, swapped, no_postcode, partial_postcode,
    wrong_postcode, no_dob, dob_swapped).
    """

    system: str
    ref: str
    on: date
    fields: dict[str, str | None]
    people: tuple[str, ...]
    tags: tuple[frozenset[str], ...]


def legacy_rows(council: Council, seed: int) -> list[LegacyRow]:
    """Every system's rows, in the order the systems hold them (not by date)."""
    rng = random.Random(seed)
    #: Draws for previous surnames, apart: the rows otherwise stay as they were before
    #: systems recorded them, so figures before and after are of the same council.
    formers = random.Random(seed * 7919 + 1)
    previous = random.Random(seed * 7919 + 2)
    rows: list[LegacyRow] = []
    rows += _council_tax(council, rng, formers, previous)
    rows += _waste(council, rng)
    rows += _housing(council, rng, formers, previous)
    return rows


def _periods(council: Council, house: Household) -> list[tuple[date, date, Address]]:
    out = []
    for i, (start, home) in enumerate(house.moves):
        end = house.moves[i + 1][0] if i + 1 < len(house.moves) else WINDOW_END
        out.append((max(start, WINDOW_START), end, home))
    return out


def _present(council: Council, house: Household, home: Address, on: date) -> list[Person]:
    people = [council.people[pid] for pid in house.members]
    return [p for p in people if p.home_at(on) == home and p.born <= on]


def _property(home: Address) -> str:
    parts = [f"FLAT {home.flat}"] if home.flat else []
    parts += [home.building] if home.building else []
    parts += [f"{home.number} {home.street}", home.town]
    return ", ".join(parts).upper()


def _moved_from(person: Person, on: date) -> Address | None:
    """The home the person left to move in on ``on`` (None: they were not moving)."""
    homes = [(start, home) for start, home in person.homes if start < on]
    if on <= WINDOW_START or not homes or person.home_at(on) == homes[-1][1]:
        return None
    return homes[-1][1]


def _former(person: Person, on: date) -> str | None:
    """The surname the person had before their current one on ``on``, if it changed."""
    names = [name for start, name in person.names if start <= on]
    return names[-2] if len(names) > 1 and names[-2] != names[-1] else None


# council tax -------------------------------------------------------------------------


def _council_tax(
    council: Council, rng: random.Random, formers: random.Random, previous: random.Random
) -> list[LegacyRow]:
    rows: list[LegacyRow] = []
    accounts: list[tuple[date, Address, list[Person], bool]] = []  # ..., a change of name
    for house in council.households:
        for start, _, home in _periods(council, house):
            liable = [p for p in _present(council, house, home, start) if p.age_at(start) >= 18]
            if liable:
                accounts.append((start, home, liable[:2], False))
        for pid in house.members:  # a wedding: the account is amended to name both
            person = council.people[pid]
            wed = person.names[-1][0] if len(person.names) > 1 else None
            if wed and wed < WINDOW_END:
                home = person.home_at(wed)
                liable = [p for p in _present(council, house, home, wed) if p.age_at(wed) >= 18]
                if liable:
                    accounts.append((wed, home, liable[:2], True))
    for person in council.people.values():  # homes of one's own, before a wedding
        shared = {a for h in person.households for _, a in council.households[h].moves}
        for start, home in person.homes:
            if home not in shared and person.age_at(max(start, WINDOW_START)) >= 18:
                accounts.append((max(start, WINDOW_START), home, [person], False))
    for n, (on, home, liable, renamed) in enumerate(accounts):
        style = rng.choices(("title_initial", "title_full", "initial", "title_only"),
                            (0.45, 0.25, 0.15, 0.15))[0]  # fmt: skip
        name, tags = _account_name(rng, liable, style, on)
        fields: dict[str, str | None] = {
            "account_name": name,
            "property": _property(home),
            "postcode": home.postcode if rng.random() < 0.98 else None,
            "uprn": home.uprn if rng.random() < 0.85 else None,
        }
        if renamed:  # the change-of-name form's previous surname, per holder named
            for i, person in enumerate(liable):
                former = _former(person, on)
                if former and formers.random() < 0.6:
                    fields[f"previous_surname_{i}"] = former.upper()
                    tags = tuple(t | {"former_recorded"} if j == i else t
                                 for j, t in enumerate(tags))  # fmt: skip
        for i, person in enumerate(liable):  # the moving-in form's previous address
            moved_from = _moved_from(person, on)
            if moved_from is not None and previous.random() < 0.6:
                fields[f"previous_address_{i}"] = _property(moved_from)
                fields[f"previous_postcode_{i}"] = moved_from.postcode
                tags = tuple(t | {"previous_recorded"} if j == i else t
                             for j, t in enumerate(tags))  # fmt: skip
        if fields["postcode"] is None:
            tags = tuple(t | {"no_postcode"} for t in tags)
        rows.append(LegacyRow("council_tax", f"CT{n:06d}", on, fields,
                              tuple(p.pid for p in liable), tags))  # fmt: skip
    return rows


def _account_name(
    rng: random.Random, liable: list[Person], style: str, on: date
) -> tuple[str, tuple[frozenset[str], ...]]:
    parts: list[tuple[str, str, str]] = []  # (title, forename part, surname)
    tags: list[frozenset[str]] = []
    for person in liable:
        got: set[str] = set()
        family = person.family_at(on)
        if person.suffix and rng.random() < 0.3:
            family += " JNR" if person.suffix == "Jr" else " SNR"
        if rng.random() < 0.02:
            family = typo(rng, family)
            got.add("typo")
        given = {"title_initial": person.given[0], "title_full": person.given,
                 "initial": person.given[0], "title_only": ""}[style]  # fmt: skip
        got.add({"title_initial": "initial", "initial": "initial", "title_only": "title_only"}
                .get(style, "full"))  # fmt: skip
        title = "" if style == "initial" else person.title_at(on)
        parts.append((title.upper(), given.upper(), family.upper()))
        tags.append(frozenset(got - {"full"}))
    if len(parts) == 2 and parts[0][2] == parts[1][2]:
        first = " ".join(filter(None, parts[0][:2]))
        second = " ".join(filter(None, parts[1][:2]))
        return f"{first} & {second} {parts[0][2]}", tuple(tags)
    return " & ".join(" ".join(filter(None, p)) for p in parts), tuple(tags)


# waste -------------------------------------------------------------------------------


def _waste(council: Council, rng: random.Random) -> list[LegacyRow]:
    rows: list[LegacyRow] = []
    for house in council.households:
        for start, end, home in _periods(council, house):
            for _ in range(rng.choice((0, 0, 1, 1, 1, 2, 3))):
                on = start + timedelta(days=rng.randrange(max((end - start).days, 1)))
                adults = [p for p in _present(council, house, home, on) if p.age_at(on) >= 18]
                if adults:
                    rows.append(_call(rng, len(rows), on, rng.choice(adults), home, house))
    return rows


def _call(
    rng: random.Random, n: int, on: date, person: Person, home: Address, house: Household
) -> LegacyRow:
    tags: set[str] = set()
    given, family = person.given, person.family_at(on)
    if person.nickname and rng.random() < 0.5:
        given = person.nickname
        tags.add("nickname")
    roll = rng.random()
    if roll < 0.10:
        if rng.random() < 0.5:
            given = typo(rng, given)
        else:
            family = typo(rng, family)
        tags.add("typo")
    elif roll < 0.14:
        given, family = family, given
        tags.add("swapped")
    elif roll < 0.17:
        given = given[0]
        tags.add("initial")
    name = f"{given} {family}"
    name = name.lower() if rng.random() < 0.5 else name.upper() if rng.random() < 0.3 else name
    line = f"{home.number} {home.street}"
    if rng.random() < 0.3:
        line = line.replace("Road", "Rd").replace("Street", "St").replace("Avenue", "Ave")
    if home.flat:
        line = f"flat {home.flat} {line}" if rng.random() < 0.7 else line
    postcode: str | None = home.postcode
    roll = rng.random()
    if roll < 0.25:
        postcode = None
        tags.add("no_postcode")
    elif roll < 0.325:
        postcode = home.postcode.split()[0]
        tags.add("partial_postcode")
    elif roll < 0.40:
        i = rng.randrange(len(home.postcode) - 2, len(home.postcode))
        postcode = home.postcode[:i] + rng.choice("ABDEFGHJLNPQRSTUWXYZ") + home.postcode[i + 1 :]
        tags.add("wrong_postcode")
    phone = None
    if rng.random() < 0.7:
        phone = person.phone or house.landline
        if house.landline and rng.random() < 0.3:
            phone = house.landline
    fields: dict[str, str | None] = {
        "caller_name": name,
        "address": line.lower(),
        "postcode": postcode,
        "uprn": home.uprn if rng.random() < 0.4 else None,
        "phone": phone,
        "email": person.email if rng.random() < 0.15 else None,
    }
    return LegacyRow("waste", f"W{n:06d}", on, fields, (person.pid,), (frozenset(tags),))


# housing -----------------------------------------------------------------------------


def _housing(
    council: Council, rng: random.Random, formers: random.Random, previous: random.Random
) -> list[LegacyRow]:
    rows: list[LegacyRow] = []
    for house in council.households:
        if rng.random() >= 0.2:
            continue
        for start, _, home in _periods(council, house):
            for person in _present(council, house, home, start):
                row = _occupant(rng, formers, len(rows), start, person, home, house)
                rows.append(_with_history(row, person, previous))
    return rows


def _with_history(row: LegacyRow, person: Person, previous: random.Random) -> LegacyRow:
    """The application's address history: the in-window homes of the last five years."""
    since = max(WINDOW_START, row.on - timedelta(days=5 * 365))
    current = person.home_at(row.on)
    history = [home for start, home in reversed(person.homes)
               if home != current and start < row.on
               and (start >= since or home == person.home_at(since))]  # fmt: skip
    if not history or row.on <= WINDOW_START or previous.random() >= 0.7:
        return row
    fields = dict(row.fields)
    for i, home in enumerate(dict.fromkeys(history)):
        fields[f"previous_address_{i}"] = _property(home).title()
        fields[f"previous_postcode_{i}"] = home.postcode
    tags = (row.tags[0] | {"previous_recorded"},)
    return LegacyRow(row.system, row.ref, row.on, fields, row.people, tags)


def _occupant(
    rng: random.Random,
    formers: random.Random,
    n: int,
    on: date,
    person: Person,
    home: Address,
    house: Household,
) -> LegacyRow:
    tags: set[str] = set()
    forenames = person.given
    if person.middle and rng.random() < 0.4:
        forenames += f" {person.middle}"
    if person.nickname and rng.random() < 0.05:
        forenames = person.nickname
        tags.add("nickname")
    family = person.family_at(on)
    if rng.random() < 0.03:
        family = typo(rng, family)
        tags.add("typo")
    dob: str | None = person.born.strftime("%d/%m/%Y")
    if rng.random() < 0.05:
        dob = None
        tags.add("no_dob")
    elif person.born.day <= 12 and person.born.day != person.born.month and rng.random() < 0.03:
        dob = person.born.strftime("%m/%d/%Y")
        tags.add("dob_swapped")
    ni = None
    if person.ni and person.age_at(on) >= 16 and rng.random() < 0.75:
        raw = person.ni
        ni = f"{raw[:2]} {raw[2:4]} {raw[4:6]} {raw[6:8]} {raw[8]}" if rng.random() < 0.5 else raw
    adult = person.age_at(on) >= 16
    email = house.shared_email if adult else None
    if adult and email is None and rng.random() < 0.5:
        email = person.email
    postcode = home.postcode if rng.random() < 0.99 else None
    if postcode is None:
        tags.add("no_postcode")
    former = _former(person, on)
    if former is not None and formers.random() < 0.5:
        tags.add("former_recorded")
    else:
        former = None
    fields: dict[str, str | None] = {
        "title": person.title_at(on),
        "forenames": forenames,
        "surname": family,
        "previous_surname": former,
        "dob": dob,
        "ni_number": ni,
        "email": email,
        "phone": (person.phone or house.landline) if adult and rng.random() < 0.8 else None,
        "address": _property(home).title(),
        "postcode": postcode,
        "uprn": home.uprn if rng.random() < 0.98 else None,
    }
    return LegacyRow("housing", f"H{n:06d}", on, fields, (person.pid,), (frozenset(tags),))
