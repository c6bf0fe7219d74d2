"""Kontera in the reader's language: one catalogue (nb, sv; English is the source), and the
locale's way of writing numbers, amounts and dates.

    from kontera.i18n import translator
    t = translator("nb")
    t.text(msg("Line {line} has no VAT code", line=3))   # "Linje 3 har ingen MVA-kode"
    t.amount(Decimal("-1234.5"), "NOK")                  # "-1 234,50 NOK"

`docs/i18n.md` says how to add a string.
"""

from __future__ import annotations

from kontera.i18n.catalogue import LOCALES
from kontera.i18n.catalogue import catalogue
from kontera.i18n.translator import Translator
from kontera.i18n.translator import render
from kontera.i18n.translator import translator

__all__ = ["LOCALES", "Translator", "catalogue", "render", "translator"]
