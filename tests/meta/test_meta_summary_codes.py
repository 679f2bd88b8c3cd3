"""Every timeline entry a resident can see comes in the front door's words, so in Welsh.

Resident-view says what an entry was as a summary code and its facts (its English
summary is made from them); the front door words each code in the page's language, and
words the other event types a resident sees by their type. A code or a type the front
door does not know would show resident-view's English on a Welsh page.
"""

from __future__ import annotations

from townhall.resident_view.projection.entries import SUMMARIES as CODED_TYPES
from townhall.resident_view.projection.wording import CODES
from townhall.schemas.registry import EVENT_TYPES
from townhall.web.resident.progress import STEPS
from townhall.web.resident.summaries import SUMMARIES

#: Entries residents never see in words of the front door's own: officers' own records,
#: internal notes (never shown to residents), and legacy systems' changes (they carry the
#: legacy mapper's own summary).
NOT_THE_FRONT_DOORS = (
    "townhall.identity.officer.",
    "townhall.cases.case.internal_note_added.",
    "townhall.legacy.",
)


def test_the_front_door_words_every_code_resident_view_gives() -> None:
    assert set(CODES) == set(SUMMARIES)


def test_every_type_a_resident_sees_has_a_code_or_the_front_doors_words() -> None:
    unworded = sorted(
        kind
        for kind in EVENT_TYPES
        if not kind.startswith(NOT_THE_FRONT_DOORS)
        and kind not in CODED_TYPES
        and kind.rsplit(".", 1)[0] not in STEPS
    )
    assert unworded == []
