"""The catalogue holds every text of the code in nb and sv, and its translations fit the code.

These tests are what makes "every new string goes through the catalogue" hold: a text added
to a template or a `msg(...)` without its Norwegian and Swedish translation fails here, with
the command that fixes it (`make messages`, then translate the new entries).
"""

from __future__ import annotations

import re
import string

import pytest
from babel.messages.pofile import read_po

from kontera.i18n import catalogue
from kontera.i18n.catalogue import po_path
from kontera.i18n.extract import messages
from kontera.i18n.extract import missing
from kontera.i18n.extract import unextractable
from kontera.i18n.labels import LABELS

TRANSLATED = ("nb", "sv")


def test_extraction_finds_the_texts_of_code_templates_and_errors() -> None:
    """The extractor must be able to find things, or every other test here passes vacuously."""
    ids = {f.msgid for f in messages()}
    assert "Approve and next" in ids  # a template's _("…")
    assert "No such document." in ids  # an error's message: raise NotFound("No such document.")
    assert "Ready to approve" in ids  # a label, marked with N_(…)
    assert len(ids) > 200


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_text_of_the_code_is_translated(locale: str) -> None:
    untranslated = missing(locale)
    assert untranslated == [], (
        f"{len(untranslated)} texts have no {locale} translation: run `make messages` and "
        f"translate them in {po_path(locale)} (docs/i18n.md). First: {untranslated[:5]}"
    )


def test_messages_are_format_strings_not_f_strings() -> None:
    assert unextractable() == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_use_the_placeholders_of_their_message(locale: str) -> None:
    """A translation may reorder `{name}`s but not invent or drop one."""
    with po_path(locale).open("rb") as handle:
        po = read_po(handle, locale=locale)
    wrong = []
    for entry in po:
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple | list) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
        expected = set().union(*(_names(i) for i in ids)) - {"n"}
        for text in strings:
            if _names(text) - {"n"} != expected:
                wrong.append((ids[0], text))
    assert wrong == []


def test_every_label_is_translated() -> None:
    nb = catalogue("nb")
    untranslated = [
        english for table in LABELS.values() for english in table.values() if not nb.has(english)
    ]
    assert untranslated == []


def _names(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_placeholder_check_can_fail() -> None:
    assert _names("Linje {line} av {total}") == {"line", "total"}
    assert _names("Linje {lines}") != _names("Line {line}")
    assert re.sub(r"\s", "", "x") == "x"
