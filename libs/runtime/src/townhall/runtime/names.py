"""Given-name variants and name normalisation, shared by every service that compares names.

A small table of English and Welsh given-name variants, each folded to one canonical
form. Deliberately short: it covers the common diminutives a council sees (Bill/William,
Liz/Elizabeth, Dai/David). A name in no group is its own canonical form::

    canonical_given_name(normalise_name("Bill"))  # "william"

Identity's record linkage and resident-view's search both fold names with it.
"""

from __future__ import annotations

import re
import unicodedata
from types import MappingProxyType

__all__ = ["GROUPS", "NICKNAMES", "canonical_given_name", "name_tokens", "normalise_name"]

_NOT_LETTERS = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")

GROUPS: dict[str, tuple[str, ...]] = {
    "william": ("bill", "billy", "will", "willy", "liam", "wil", "gwilym"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "eliza", "libby", "bess", "lisa"),
    "david": ("dai", "dave", "davy", "dafydd", "davey"),
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "richard": ("dick", "rich", "rick", "ricky", "richie"),
    "margaret": ("maggie", "meg", "peggy", "marge", "mags", "megan"),
    "catherine": ("kate", "katie", "cathy", "kath", "catrin", "kathryn", "katherine"),
    "james": ("jim", "jimmy", "jamie", "jas"),
    "john": ("jack", "johnny", "jon", "ieuan", "ioan", "sion"),
    "jonathan": ("jon", "jonny"),
    "thomas": ("tom", "tommy", "twm"),
    "edward": ("ed", "eddie", "ted", "teddy", "ned"),
    "anthony": ("tony", "ant"),
    "michael": ("mike", "mick", "micky", "mikey"),
    "christopher": ("chris", "kit"),
    "alexander": ("alex", "sandy", "xander"),
    "alexandra": ("alex", "sandra", "lexi"),
    "samuel": ("sam", "sammy"),
    "samantha": ("sam", "sammy"),
    "daniel": ("dan", "danny"),
    "joseph": ("joe", "joey"),
    "matthew": ("matt", "matty"),
    "nicholas": ("nick", "nicky"),
    "patricia": ("pat", "patty", "trish", "tricia"),
    "patrick": ("pat", "paddy"),
    "susan": ("sue", "susie", "suzy"),
    "deborah": ("debbie", "deb", "debs"),
    "rebecca": ("becky", "becca"),
    "jennifer": ("jenny", "jen", "jenna"),
    "victoria": ("vicky", "vicki", "tori"),
    "charles": ("charlie", "chas", "chuck"),
    "henry": ("harry", "hal", "hank"),
    "frederick": ("fred", "freddie"),
    "stephen": ("steve", "stevie", "steven"),
    "andrew": ("andy", "drew"),
    "gareth": ("gaz", "gary"),
    "gwendolyn": ("gwen", "gwenda"),
    "rhiannon": ("rhi", "rhian"),
    "owain": ("owen",),
    "sian": ("shan",),
    "ellen": ("elen", "nell", "nellie"),
    "helen": ("nell", "nellie", "elen"),
    "mary": ("molly", "polly", "mair"),
    "jane": ("janet", "jenny", "sian"),
    "peter": ("pete",),
    "timothy": ("tim", "timmy"),
    "benjamin": ("ben", "benny"),
    "kenneth": ("ken", "kenny"),
    "ronald": ("ron", "ronnie"),
    "donald": ("don", "donnie"),
    "abigail": ("abby", "abi", "gail"),
    "dorothy": ("dot", "dotty", "dolly"),
    "frances": ("fran", "frankie", "fanny"),
    "francis": ("frank", "frankie"),
}


def _build() -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, variants in GROUPS.items():
        table.setdefault(canonical, canonical)
        for variant in variants:
            # a variant shared by two groups (Alex, Sam, Pat) keeps the first group
            table.setdefault(variant, canonical)
    return table


#: Every known given name and variant → its canonical form.
NICKNAMES: MappingProxyType[str, str] = MappingProxyType(_build())


def canonical_given_name(name: str) -> str:
    """The canonical form of a normalised given name (itself when not in the table)."""
    return NICKNAMES.get(name, name)


def _every_group() -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for canonical, variants in GROUPS.items():
        for name in (canonical, *variants):
            if canonical not in groups.setdefault(name, []):
                groups[name].append(canonical)
    return {name: tuple(found) for name, found in groups.items() if len(found) > 1}


#: A variant two groups share (Sam: Samuel or Samantha) → every canonical form it has.
AMBIGUOUS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(_every_group())


def canonical_given_names(name: str) -> tuple[str, ...]:
    """Every canonical form of a normalised given name: one, or several for a variant
    two groups share ("sam": Samuel and Samantha), the first `canonical_given_name`'s."""
    return AMBIGUOUS.get(name, (canonical_given_name(name),))


def normalise_name(name: str) -> str:
    """Lower-case ASCII letters and single spaces: "O'Brien-Smith " → "obrien smith"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = _NOT_LETTERS.sub(" ", ascii_name.lower().replace("'", ""))
    return _SPACES.sub(" ", cleaned).strip()


def name_tokens(name: str) -> tuple[str, ...]:
    """The words of a normalised name: "Mary-Jane  Smith" → ("mary", "jane", "smith")."""
    return tuple(normalise_name(name).split())
