"""The comparisons, each written twice from one table of levels: SQL for Splink's
training in DuckDB, and a Python twin used to score candidates in-process.

Level 0 is the null level (neutral), the last level is the else level. The order of
levels is Splink's order, so a trained level's m and u probabilities line up with the
index the Python twin returns. (Not yet tested: a check that the twins agree with
Splink's own predict() on sampled pairs.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz.distance import JaroWinkler, Levenshtein

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

    @property
    def labels(self) -> tuple[str, ...]:
        return ("null", *(label for label, _ in self.levels), "else")


def _jw(a: str, b: str) -> float:
    return float(JaroWinkler.similarity(a, b))


def _jw_sql(column: str, threshold: float) -> str:
    return f"jaro_winkler_similarity({column}_l, {column}_r) >= {threshold}"


def _given_level(a: Features, b: Features) -> int:
    if a.given == b.given:
        return 1
    if a.given_canon == b.given_canon:
        return 2
    similarity = _jw(a.given, b.given)
    return 3 if similarity >= NAME_CLOSE else 4 if similarity >= NAME_NEAR else 5


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
    if Levenshtein.distance(x, y, score_cutoff=1) <= 1:
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
    if Levenshtein.distance(x, y, score_cutoff=1) <= 1:
        return 3
    return 4 if a.district is not None and a.district == b.district else 5


def _address_level(a: Features, b: Features) -> int:
    """UPRN first; then the address line. One comparison, so a shared home counts once."""
    if a.uprn is not None and a.uprn == b.uprn:
        return 1
    x, y = a.address_line, b.address_line
    if x is None or y is None:
        return 0 if a.uprn is None or b.uprn is None else 6
    same_number = (a.house_number or "") == (b.house_number or "")
    if x == y and same_number:
        return 2
    if _jw(x, y) >= LINE_CLOSE:
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


def _name_levels(column: str, extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return (
        ("exact", f"{column}_l = {column}_r"),
        extra,
        (f"jaro-winkler >= {NAME_CLOSE}", _jw_sql(column, NAME_CLOSE)),
        (f"jaro-winkler >= {NAME_NEAR}", _jw_sql(column, NAME_NEAR)),
    )


def _all() -> tuple[Comparison, ...]:
    return (
        Comparison(
            "given_name", ("given", "given_canon"), _null("given"),
            _name_levels("given", ("nickname", "given_canon_l = given_canon_r")),
            _given_level,
        ),
        Comparison(
            "family_name", ("family", "former"), _null("family"),
            _name_levels("family", ("former name", _FORMER)), _family_level,
        ),
        Comparison(
            "date_of_birth", ("dob",), _null("dob"),
            (
                ("exact", "dob_l = dob_r"),
                ("day and month transposed",
                 "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 5, 2) = "
                 "substr(dob_r, 7, 2) AND substr(dob_l, 7, 2) = substr(dob_r, 5, 2)"),
                ("one digit differs", "levenshtein(dob_l, dob_r) <= 1"),
                ("same year", "substr(dob_l, 1, 4) = substr(dob_r, 1, 4)"),
            ),
            _dob_level,
        ),
        Comparison(
            "postcode", ("postcode", "sector", "district"), _null("postcode"),
            (
                ("full", "postcode_l = postcode_r"),
                ("sector", "sector_l = sector_r"),
                ("one character differs", "levenshtein(postcode_l, postcode_r) <= 1"),
                ("district", "district_l = district_r"),
            ),
            _postcode_level,
        ),
        Comparison(
            "address", ("address_line", "house_number", "uprn"),
            f"({_null('uprn')}) AND ({_null('address_line')})",
            (
                ("same UPRN", "uprn_l = uprn_r"),
                ("same street and number", f"address_line_l = address_line_r AND {_SAME_NUMBER}"),
                ("similar street, same number",
                 f"{_jw_sql('address_line', LINE_CLOSE)} AND {_SAME_NUMBER}"),
                ("similar street, other number", _jw_sql("address_line", LINE_CLOSE)),
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
