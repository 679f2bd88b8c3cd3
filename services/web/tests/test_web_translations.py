"""English and Welsh through one catalogue: every text marked for translation has Welsh,
and the Welsh keeps the placeholders the English has."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from townhall.web.i18n import CATALOGUES, translations

WEB = Path(__file__).resolve().parents[1]
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def marked() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(WEB / "src"), METHODS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def welsh() -> dict[str, object]:
    with (CATALOGUES / "cy" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source, locale="cy")
    return {
        (m.id[0] if isinstance(m.id, tuple) else m.id): m.string
        for m in catalogue
        if m.id and not m.fuzzy
    }


def test_every_marked_text_has_welsh() -> None:
    have = welsh()
    missing = sorted(m for m in marked() if not have.get(m))
    assert missing == [], "translate these in messages.po (i18n.py says how)"


def test_the_welsh_keeps_every_placeholder() -> None:
    for english, string in welsh().items():
        forms = string if isinstance(string, tuple) else (string,)
        for form in forms:
            assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(str(form))), english


def test_welsh_pages_read_the_catalogue_and_english_is_the_source() -> None:
    assert translations("cy").gettext("Sign in") == "Mewngofnodi"
    assert translations("en").gettext("Sign in") == "Sign in"
    assert translations("cy").ngettext("%(num)d resident found", "%(num)d residents found", 1)
