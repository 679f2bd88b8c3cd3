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

from townhall.identity.linkage.features import Features

NAME_CLOSE = 0.92
NAME_NEAR = 0.80
LINE_CLOSE = 0.88

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
    if a.given == b.given:
        return 1
    if a.given_canon == b.given_canon:
        return 2
    crossed = _jw(a.given, b.family) >= NAME_CLOSE
    crossed_back = _jw(a.family, b.given) >= NAME_CLOSE
    if crossed and crossed_back:
        return 3
    similarity = _jw(a.given, b.given)
    if similarity >= NAME_NEAR:
        return 4 if similarity >= NAME_CLOSE else 5
    return 6 if crossed or crossed_back else 7


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
    return 4 if x[:4] == y[:4] else 5


def _postcode_level(a: Features, b: Features) -> int:
    x, y = a.postcode, b.postcode
    if x is None or y is None:
        return 0
    if x == y:
        return 1
    if a.sector is not None and a.sector == b.sector:
        return 2
    if _one_edit(x, y):
        return 3
    return 4 if a.district is not None and a.district == b.district else 5


def _address_level(a: Features, b: Features) -> int:
    """UPRN first; then the address line. One comparison, so a shared home counts once."""
    if a.uprn is not None and a.uprn == b.uprn:
        return 1
    x, y = a.address_tokens, b.address_tokens
    if x is None or y is None:
        return 0 if a.uprn is None or b.uprn is None else 6
    same_number = (a.house_number or "") == (b.house_number or "")
    if x == y and same_number:
        return 2
    if _jw(x, y) >= LINE_CLOSE or _jw(a.address_line or "", b.address_line or "") >= LINE_CLOSE:
        return 3 if same_number else 4
    return 5 if same_number and a.house_number is not None else 6


def _town_level(a: Features, b: Features) -> int:
    x, y = a.town, b.town
    if x is None or y is None:
        return 0
    if x == y:
        return 1
    return 2 if _jw(x, y) >= LINE_CLOSE else 3


def _exact(column: str) -> LevelOf:
    def level_of(a: Features, b: Features) -> int:
        x, y = getattr(a, column), getattr(b, column)
        if x is None or y is None:
            return 0
        return 1 if x == y else 2

    return level_of


def _null(*columns: str) -> str:
    return " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in columns)


_FORMER = (
    "(former_l IS NOT NULL AND contains('|' || former_l || '|', '|' || family_r || '|'))"
    " OR (former_r IS NOT NULL AND contains('|' || former_r || '|', '|' || family_l || '|'))"
)
_SAME_NUMBER = "coalesce(house_number_l, '') = coalesce(house_number_r, '')"


_SWAPPED = f"{_jw_sql('given', NAME_CLOSE, 'family')} AND {_jw_sql('family', NAME_CLOSE, 'given')}"
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
            "given_name", ("given", "given_canon", "family"), _null("given"),
            (
                ("exact", "given_l = given_r"),
                ("nickname", "given_canon_l = given_canon_r"),
                ("given and family names swapped", _SWAPPED),
                *_jw_levels("given"),
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
            ),
            _dob_level,
        ),
        Comparison(
            "postcode", ("postcode", "sector", "district"), _null("postcode"),
            (
                ("full", "postcode_l = postcode_r"),
                ("sector", "sector_l = sector_r"),
                ("one character differs or two swapped",
                 "damerau_levenshtein(postcode_l, postcode_r) <= 1"),
                ("district", "district_l = district_r"),
            ),
            _postcode_level,
        ),
        Comparison(
            "address", ("address_line", "address_tokens", "house_number", "uprn"),
            f"({_null('uprn')}) AND ({_null('address_line')})",
            (
                ("same UPRN", "uprn_l = uprn_r"),
                ("same street and number",
                 f"address_tokens_l = address_tokens_r AND {_SAME_NUMBER}"),
                ("similar street, same number", f"{_SIMILAR_LINE} AND {_SAME_NUMBER}"),
                ("similar street, other number", _SIMILAR_LINE),
                ("same house number",
                 "address_line_l IS NOT NULL AND address_line_r IS NOT NULL AND "
                 f"house_number_l IS NOT NULL AND {_SAME_NUMBER}"),
            ),
            _address_level,
        ),
        Comparison(
            "town", ("town",), _null("town"),
            (("exact", "town_l = town_r"), ("similar", _jw_sql("town", LINE_CLOSE))),
            _town_level,
        ),
        Comparison("email", ("email",), _null("email"), (("exact", "email_l = email_r"),),
                   _exact("email")),
        Comparison("phone", ("phone",), _null("phone"), (("exact", "phone_l = phone_r"),),
                   _exact("phone")),
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
