"""Render messages and values in one reader's language."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from kontera.domain.messages import Message
from kontera.domain.messages import Param
from kontera.i18n import formats
from kontera.i18n.catalogue import Catalogue
from kontera.i18n.catalogue import catalogue
from kontera.i18n.labels import field_label
from kontera.i18n.labels import label_text


@dataclass(frozen=True, slots=True)
class Translator:
    """Everything a page or a reply needs to speak `locale`."""

    locale: str
    catalogue: Catalogue

    def __call__(self, msgid: str, /, **params: Param) -> str:
        """A text of the UI: `t("Page {n} of {total}", n=1, total=3)`."""
        return self.text(Message(msgid, params))

    def plural(self, singular: str, plural: str, n: int, /, **params: Param) -> str:
        return self.text(Message(singular, {"n": n, **params}, plural))

    def text(self, message: Message | Mapping[str, Any] | str | None) -> str:
        """A message made deep in the code, its JSON form, or a plain catalogued string."""
        if message is None:
            return ""
        if isinstance(message, str):
            return self.catalogue.gettext(message)
        if not isinstance(message, Message):
            message = Message.from_json(message)
        if message.plural is None:
            template = self.catalogue.gettext(message.msgid)
        else:
            count = message.params.get("n")
            n = count if isinstance(count, int) else 0
            template = self.catalogue.ngettext(message.msgid, message.plural, n)
        return message.format(template, self.param)

    def param(self, value: Param) -> str:
        if value is None:
            return "–"
        if isinstance(value, Message):
            return self.text(value)
        if isinstance(value, tuple):
            return ", ".join(self.param(v) for v in value)
        if isinstance(value, Decimal):
            return formats.format_number(value, self.locale)
        if isinstance(value, datetime):
            return formats.format_datetime(value, self.locale)
        if isinstance(value, date):
            return formats.format_date(value, self.locale)
        return str(value)

    def label(self, kind: str, code: str | None) -> str:
        """The name of a code value: `label("status", "needs_review")` → "Må sjekkes"."""
        english = label_text(kind, code)
        return self.catalogue.gettext(english) if english is not None else str(code or "")

    def field(self, path: str) -> str:
        """A field's name: `field("totals.payable")` → "Å betale"."""
        return self.text(field_label(path))

    def amount(self, value: Any, currency: str | None = None) -> str:
        return formats.format_amount(value, self.locale, currency)

    def number(self, value: Any) -> str:
        return formats.format_number(value, self.locale)

    def date(self, value: date | datetime | str | None) -> str:
        if isinstance(value, datetime) or (isinstance(value, str) and len(value) > 10):
            return formats.format_datetime(value, self.locale)
        return formats.format_date(value, self.locale)

    def percent(self, value: float | None) -> str:
        # Rounded down, so a reading is never shown surer than it is (94.6 % is "94 %").
        return "–" if value is None else f"{math.floor(value * 100 + 1e-9)}\u00a0%"


@lru_cache(maxsize=8)
def translator(locale: str) -> Translator:
    return Translator(locale, catalogue(locale))


def render(message: Message | Mapping[str, Any] | str | None, locale: str) -> str:
    """One message in `locale` (the English of `str(message)` for "en")."""
    return translator(locale).text(message)
