"""The comparisons, each written twice from one table of levels: SQL for Splink's
training in DuckDB, and a Python twin used to score candidates in-process.

Level 0 is the null level (neutral), the last level is the else level. The order of
levels is Splink's order, so a trained level's m and u probabilities line up with the
index the Python twin returns. DuckDB's `jaro_winkler_similarity` and
`damerau_levenshtein` and rapidfuzz's JaroWinkler and OSA give the same numbers (at a
distance of one, OSA and Damerau-Levenshtein agree), and a test checks the twins
against Splink's own predict() on a fixed set of pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA, JaroWinkler

from townhall.identity.linkage.features import Features, Place

NAME_CLOSE = 0.92
NAME_NEAR = 0.80
LINE_CLOSE = 0.88
#: A gap in years of birth a typo does not make but a generation does (a father and son).
GENERATION_GAP = 12

LevelOf = Callable[[Features, Features], int]


@dataclass(frozen=True, slots=True)
class Comparison:
    """One field's comparison: SQL levels for Splink and the Python twin."""

    name: str
    columns: tuple[str, ...]
    null_sql: str
    levels: tuple[tuple[str, str], ...]  # (label, SQL condition), best first
    level_of: LevelOf
    labels: tuple[str, ...] = field(init=False, repr=False)  # null, each level, else

    def __post_init__(self) -> None:
        labels = ("null", *(label for label, _ in self.levels), "else")
        object.__setattr__(self, "labels", labels)


_jw = JaroWinkler.similarity


def _one_edit(a: str, b: str) -> bool:
    """One character inserted, deleted or changed, or two neighbours swapped."""
    return bool(OSA.distance(a, b, score_cutoff=1) <= 1)


def _jw_sql(left: str, threshold: float, right: str | None = None) -> str:
    return f"jaro_winkler_similarity({left}_l, {right or left}_r) >= {threshold}"


def _given_level(a: Features, b: Features) -> int:
    x, y = a.given, b.given
    if (x is None and a.initial is None) or (y is None and b.initial is None):
        return 0
    if x is not None and y is not None:
        if x == y:
            return 1
        if a.given_canon == b.given_canon or _among_canons(a, b) or _among_canons(b, a):
            return 2
        if _jw(x, b.family) >= NAME_CLOSE and _jw(a.family, y) >= NAME_CLOSE:
            return 3
        similarity = _jw(x, y)
        if similarity >= NAME_NEAR:
            return 4 if similarity >= NAME_CLOSE else 5
        if _among(x, b.middle) or _among(y, a.middle):
            return 6
        crossed = _jw(x, b.family) >= NAME_CLOSE or _jw(a.family, y) >= NAME_CLOSE
        return 9 if crossed else 10
    if _swapped_under_initial(a, b) or _swapped_under_initial(b, a):
        return 3
    if a.initial == b.initial or _formal_initial(a) == b.initial or a.initial == _formal_initial(b):
        return 7
    return 8


def _among_canons(a: Features, b: Features) -> bool:
    """``b``'s canonical name is one of those ``a``'s shared variant stands for ("Sammy":
    Samuel or Samantha)."""
    return a.given_canons is not None and f"|{b.given_canon}|" in f"|{a.given_canons}|"


def _swapped_under_initial(a: Features, b: Features) -> bool:
    """``a`` has only an initial, ``b`` its names the other way round: "R Davies" and
    "Davies Rebecca"."""
    return (
        a.given is None
        and b.given is not None
        and _jw(b.given, a.family) >= NAME_CLOSE
        and b.family[:1] == a.initial
    )


def _formal_initial(f: Features) -> str | None:
    """The initial of the formal name a nickname stands for ("Bob": "r"), if any."""
    return f.given_canon[:1] if f.given_canon and f.given_canon != f.given else None


def _among(name: str, names: str | None) -> bool:
    return names is not None and f" {name} " in f" {names} "


def _family_level(a: Features, b: Features) -> int:
    if a.family == b.family:
        return 1
    if a.family in b.former or b.family in a.former:
        return 2
    similarity = _jw(a.family, b.family)
    return 3 if similarity >= NAME_CLOSE else 4 if similarity >= NAME_NEAR else 5


def _dob_level(a: Features, b: Features) -> int:
    x, y = a.dob, b.dob
    if x is None or y is None:
        return 0
    if x == y:
        return 1
    if x[:4] == y[:4] and x[4:6] == y[6:8] and x[6:8] == y[4:6]:
        return 2
    if _one_edit(x, y):
        return 3
    if x[:4] == y[:4]:
        return 4
    return 6 if abs(int(x[:4]) - int(y[:4])) >= GENERATION_GAP else 5


def _postcode_level_of(a: Place | Features, b: Place | Features) -> int:
    x, y = a.postcode, b.postcode
    if (x is None and a.district is None) or (y is None and b.district is None):
        return 0
    if x is not None and x == y:
        return 1
    if a.sector is not None and a.sector == b.sector:
        return 2
    if x is not None and y is not None and _one_edit(x, y):
        return 3
    if a.district is None or a.district != b.district:
        return 6
    return 4 if x is None or y is None else 5


def _flats_differ(a: Place | Features, b: Place | Features) -> bool:
    return a.flat is not None and b.flat is not None and a.flat != b.flat


def _address_level_of(a: Place | Features, b: Place | Features) -> int:
    """UPRN first; then the address line. One comparison, so a shared home counts once."""
    if a.uprn is not None and a.uprn == b.uprn:
        return 1
    x, y = a.address_tokens, b.address_tokens
    if x is None or y is None:
        return 0 if a.uprn is None or b.uprn is None else 7
    same_number = (a.house_number or "") == (b.house_number or "")
    flats_differ = _flats_differ(a, b)
    if x == y and same_number and not flats_differ:
        return 2
    if _jw(x, y) >= LINE_CLOSE or _jw(a.address_line or "", b.address_line or "") >= LINE_CLOSE:
        if same_number:
            return 4 if flats_differ else 3
        return 5
    return 6 if same_number and a.house_number is not None else 7


def _town_level_of(a: Place | Features, b: Place | Features) -> int:
    x, y = a.town, b.town
    if x is None or y is None:
        return 0
    if x == y:
        return 1
    return 2 if _jw(x, y) >= LINE_CLOSE else 3


def _best_over_places(level_of: Callable[[Place | Features, Place | Features], int]) -> LevelOf:
    """The best (first non-null) level over every pair of the two records' addresses."""

    def best(a: Features, b: Features) -> int:
        if len(a.places) <= 1 and len(b.places) <= 1:
            return level_of(a, b)
        found = 0
        for x in a.places or (a,):
            for y in b.places or (b,):
                level = level_of(x, y)
                if level == 1:
                    return 1
                if level and (found == 0 or level < found):
                    found = level
        return found

    return best


def _exact(column: str) -> LevelOf:
    def level_of(a: Features, b: Features) -> int:
        x, y = getattr(a, column), getattr(b, column)
        if x is None or y is None:
            return 0
        return 1 if x == y else 2

    return level_of


def _any_shared(column: str) -> LevelOf:
    """Exact on the primary value in SQL; the Python twin takes any of the record's values."""

    def level_of(a: Features, b: Features) -> int:
        xs: tuple[str, ...] = getattr(a, column)
        ys: tuple[str, ...] = getattr(b, column)
        if not xs or not ys:
            return 0
        if len(xs) == 1 and len(ys) == 1:
            return 1 if xs[0] == ys[0] else 2
        return 1 if set(xs) & set(ys) else 2

    return level_of


def _null(*columns: str) -> str:
    return " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in columns)


_FORMER = (
    "(former_l IS NOT NULL AND contains('|' || former_l || '|', '|' || family_r || '|'))"
    " OR (former_r IS NOT NULL AND contains('|' || former_r || '|', '|' || family_l || '|'))"
)
_SAME_NUMBER = "coalesce(house_number_l, '') = coalesce(house_number_r, '')"
_FLATS_DIFFER = "(flat_l IS NOT NULL AND flat_r IS NOT NULL AND flat_l <> flat_r)"
_NO_GIVEN = "(given_l IS NULL AND initial_l IS NULL) OR (given_r IS NULL AND initial_r IS NULL)"
_ONE_INITIAL = "(given_l IS NULL OR given_r IS NULL)"
_MIDDLE = (
    "contains(' ' || middle_r || ' ', ' ' || given_l || ' ')"
    " OR contains(' ' || middle_l || ' ', ' ' || given_r || ' ')"
)
_NO_POSTCODE = (
    "(postcode_l IS NULL AND district_l IS NULL) OR (postcode_r IS NULL AND district_r IS NULL)"
)


_SWAPPED = (
    f"({_jw_sql('given', NAME_CLOSE, 'family')} AND {_jw_sql('family', NAME_CLOSE, 'given')})"
    f" OR (given_l IS NULL AND {_jw_sql('family', NAME_CLOSE, 'given')}"
    " AND initial_l = substr(family_r, 1, 1))"
    f" OR (given_r IS NULL AND {_jw_sql('given', NAME_CLOSE, 'family')}"
    " AND initial_r = substr(family_l, 1, 1))"
)
_NICKNAME = (
    "given_canon_l = given_canon_r"
    " OR contains('|' || given_canons_l || '|', '|' || given_canon_r || '|')"
    " OR contains('|' || given_canons_r || '|', '|' || given_canon_l || '|')"
)
_FORMAL_INITIAL = (
    "initial_l = initial_r"
    " OR (given_canon_r <> given_r AND initial_l = substr(given_canon_r, 1, 1))"
    " OR (given_canon_l <> given_l AND substr(given_canon_l, 1, 1) = initial_r)"
)
_CROSSED = f"{_jw_sql('given', NAME_CLOSE, 'family')} OR {_jw_sql('family', NAME_CLOSE, 'given')}"
_SIMILAR_LINE = (
    f"({_jw_sql('address_tokens', LINE_CLOSE)} OR {_jw_sql('address_line', LINE_CLOSE)})"
)


def _jw_levels(column: str) -> tuple[tuple[str, str], ...]:
    return (
        (f"jaro-winkler >= {NAME_CLOSE}", _jw_sql(column, NAME_CLOSE)),
        (f"jaro-winkler >= {NAME_NEAR}", _jw_sql(column, NAME_NEAR)),
    )


def _all() -> tuple[Comparison, ...]:
    return (
        Comparison(
            "given_name", ("given", "given_canon", "given_canons", "family", "initial", "middle"),
            _NO_GIVEN,
            (
                ("exact", "given_l = given_r"),
                ("nickname", _NICKNAME),
                ("given and family names swapped", _SWAPPED),
                *_jw_levels("given"),
                ("one's given name is the other's middle name", _MIDDLE),
                ("initial agrees with the name", f"{_ONE_INITIAL} AND ({_FORMAL_INITIAL})"),
                ("initial differs", _ONE_INITIAL),
                ("one's given name is the other's family name", _CROSSED),
            ),
            _given_level,
        ),
        Comparison(
            "family_name", ("family", "former"), _null("family"),
            (("exact", "family_l = family_r"), ("former name", _FORMER), *_jw_levels("family")),
            _family_level,
        ),
        Comparison(
            "date_of_birth", ("dob",), _null("dob"),
            (
                ("exact", "dob_l = dob_r"),
                ("day and month transposed",
                 "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 5, 2) = "
                 "substr(dob_r, 7, 2) AND substr(dob_l, 7, 2) = substr(dob_r, 5, 2)"),
                ("one digit differs or two swapped", "damerau_levenshtein(dob_l, dob_r) <= 1"),
                ("same year", "substr(dob_l, 1, 4) = substr(dob_r, 1, 4)"),
                ("within a generation",
                 "abs(CAST(substr(dob_l, 1, 4) AS INTEGER) - CAST(substr(dob_r, 1, 4) AS INTEGER))"
                 f" < {GENERATION_GAP}"),
            ),
            _dob_level,
        ),
        Comparison(
            "sex", ("sex",), _null("sex"), (("same", "sex_l = sex_r"),), _exact("sex"),
        ),
        Comparison(
            "suffix", ("suffix",), _null("suffix"), (("same", "suffix_l = suffix_r"),),
            _exact("suffix"),
        ),
        Comparison(
            "ni_number", ("ni",), _null("ni"), (("exact", "ni_l = ni_r"),), _exact("ni"),
        ),
        Comparison(
            "postcode", ("postcode", "sector", "district"), _NO_POSTCODE,
            (
                ("full", "postcode_l = postcode_r"),
                ("sector", "sector_l = sector_r"),
                ("one character differs or two swapped",
                 "damerau_levenshtein(postcode_l, postcode_r) <= 1"),
                ("outward code alone, same district",
                 "(postcode_l IS NULL OR postcode_r IS NULL) AND district_l = district_r"),
                ("district", "district_l = district_r"),
            ),
            _best_over_places(_postcode_level_of),
        ),
        Comparison(
            "address", ("address_line", "address_tokens", "house_number", "flat", "uprn"),
            f"({_null('uprn')}) AND ({_null('address_line')})",
            (
                ("same UPRN", "uprn_l = uprn_r"),
                ("same street and number",
                 f"address_tokens_l = address_tokens_r AND {_SAME_NUMBER} "
                 f"AND NOT {_FLATS_DIFFER}"),
                ("similar street, same number",
                 f"{_SIMILAR_LINE} AND {_SAME_NUMBER} AND NOT {_FLATS_DIFFER}"),
                ("same building, another flat", f"{_SIMILAR_LINE} AND {_SAME_NUMBER}"),
                ("similar street, other number", _SIMILAR_LINE),
                ("same house number",
                 "address_line_l IS NOT NULL AND address_line_r IS NOT NULL AND "
                 f"house_number_l IS NOT NULL AND {_SAME_NUMBER}"),
            ),
            _best_over_places(_address_level_of),
        ),
        Comparison(
            "town", ("town",), _null("town"),
            (("exact", "town_l = town_r"), ("similar", _jw_sql("town", LINE_CLOSE))),
            _best_over_places(_town_level_of),
        ),
        Comparison("email", ("email",), _null("email"), (("exact", "email_l = email_r"),),
                   _any_shared("emails")),
        Comparison("phone", ("phone",), _null("phone"), (("exact", "phone_l = phone_r"),),
                   _any_shared("phones")),
    )  # fmt: skip


COMPARISONS: tuple[Comparison, ...] = _all()

#: The levels at which two records agree on who someone is: their names and date of
#: birth, allowing for a typo, a nickname, a swap or a marriage. Twins (another given
#: name) and a father and son (another date of birth) do not agree.
IDENTITY_LEVELS: dict[str, frozenset[str]] = {
    "given_name": frozenset(
        ("exact", "nickname", "given and family names swapped", f"jaro-winkler >= {NAME_CLOSE}")
    ),
    "family_name": frozenset(("exact", "former name", f"jaro-winkler >= {NAME_CLOSE}")),
    "date_of_birth": frozenset(
        ("exact", "day and month transposed", "one digit differs or two swapped")
    ),
}


def conflicts(a: Features, b: Features) -> tuple[str, ...]:
    """What says two records are two people, whatever else agrees: another NI number,
    another generation suffix (Jr against Sr)."""
    found: list[str] = []
    if a.ni is not None and b.ni is not None and a.ni != b.ni:
        found.append("ni_number")
    if a.suffix is not None and b.suffix is not None and a.suffix != b.suffix:
        found.append("suffix")
    return tuple(found)


def household_conflicts(a: Features, b: Features) -> tuple[str, ...]:
    """`conflicts`, and what tells two members of one household apart: another given
    name or initial, a title of the other sex (`names_differ`), dates of birth a
    generation apart (a father and son of one name).

    Not for data whose errors replace whole values (FEBRL replaces a tenth of given
    names and some dates of birth): there these are weighed, not vetoes.
    """
    found = list(conflicts(a, b))
    if a.dob is not None and b.dob is not None and _years_apart(a.dob, b.dob):
        found.append("date_of_birth")
    if names_differ(a, b):
        found.append("given_name")
    return tuple(found)


def names_differ(a: Features, b: Features) -> bool:
    """Another given name (not a typo, nickname, swap or middle name), another initial,
    or a title of the other sex: at one address, another member of the household."""
    if a.sex is not None and b.sex is not None and a.sex != b.sex:
        return True
    return _given_level(a, b) in _GIVEN_DIFFERS


def given_agrees(a: Features, b: Features) -> bool:
    """The given names agree (exactly, as a nickname or typo, or an initial with a name)."""
    return _given_level(a, b) in _GIVEN_AGREES


_GIVEN_AGREES = frozenset((1, 2, 3, 4, 5, 6, 7))


def _years_apart(x: str, y: str) -> bool:
    """Years of birth a generation apart (more than a one-character typo away)."""
    return abs(int(x[:4]) - int(y[:4])) >= GENERATION_GAP and not _one_edit(x, y)


_GIVEN_DIFFERS = frozenset((8, 10))
