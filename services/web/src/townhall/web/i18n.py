"""English and Welsh through one mechanism: gettext catalogues read with Babel.

Templates mark text with ``_("…")`` or ``{% trans %}``; Python marks text it hands to a
template with :func:`N_` (kept in English, translated where it is shown). The Welsh
catalogue is ``translations/cy/LC_MESSAGES/messages.po``, read straight from the
``.po`` (no compiled ``.mo`` to keep in step); a test fails when a marked text has no
Welsh. After changing marked text::

    uv run pybabel extract -F services/web/babel.cfg -o /tmp/messages.pot services/web/src
    uv run pybabel update -i /tmp/messages.pot -d services/web/src/townhall/web/translations

The resident pages will use the same catalogues and the same :func:`choose`.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = {"en": "English", "cy": "Cymraeg"}
DEFAULT = "en"
CATALOGUES = Path(__file__).parent / "translations"


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional name)
    """Mark ``message`` for translation where it is shown, not here."""
    return message


def choose(asked: str | None) -> str:
    """A language we have, from what the officer chose (English otherwise)."""
    return asked if asked in LANGUAGES else DEFAULT


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of ``language`` (English is the source: no catalogue)."""
    if language == DEFAULT:
        return gettext.NullTranslations()
    path = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalogue = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)
