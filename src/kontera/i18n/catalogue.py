"""The message catalogue: `locale/<lang>/LC_MESSAGES/kontera.po`, read as it is in the repo.

The `.po` sources are loaded directly (with Babel's reader) the first time a language is
needed, so there is no compiled `.mo` file to forget on a fresh clone. English is the source
language: its "catalogue" is the message ids themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = ("nb", "sv", "en")
SOURCE_LOCALE = "en"
DOMAIN = "kontera"
LOCALE_DIR = Path(__file__).parent / "locale"


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@dataclass(frozen=True, slots=True)
class Catalogue:
    """One language's translations: msgid → text, and singular msgid → plural forms."""

    locale: str
    singular: dict[str, str]
    plural: dict[str, tuple[str, ...]]

    def gettext(self, msgid: str) -> str:
        return self.singular.get(msgid) or msgid

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Norwegian, Swedish and English share gettext's rule "n != 1" (two forms).
        index = 0 if n == 1 else 1
        forms = self.plural.get(singular) or (singular, plural)
        return forms[min(index, len(forms) - 1)] or (singular, plural)[index]

    def has(self, msgid: str) -> bool:
        return msgid in self.singular or msgid in self.plural


@cache
def catalogue(locale: str) -> Catalogue:
    """The catalogue of `locale`; English and unknown languages get the source texts."""
    path = po_path(locale)
    if locale == SOURCE_LOCALE or not path.exists():
        return Catalogue(locale, {}, {})
    with path.open("rb") as handle:
        po = read_po(handle, locale=locale)
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for message in po:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple | list):
            plural[message.id[0]] = tuple(message.string or ())
        elif isinstance(message.string, str) and message.string:
            singular[message.id] = message.string
    return Catalogue(locale, singular, plural)
