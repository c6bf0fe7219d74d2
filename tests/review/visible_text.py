"""Is every text a person sees on a page from the catalogue, or data?

`visible_texts(page)` collects, in Chromium, every rendered text node and every attribute a
person reads (title, placeholder, aria-label, alt), skipping what is marked as another language
(the language picker names each language in itself, with `lang`) and keyboard keys (`<kbd>`).

`unexplained(texts, catalogue, data)` removes from each text every translation of the
catalogue (a `{name}` matches whatever a parameter filled in), every piece of data the page
shows as it is (names, invoice numbers, e-mail addresses …), and numbers, amounts, dates and
punctuation; what is left with a word in it was written by nobody's translator.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from babel.messages.pofile import read_po

from kontera.i18n.catalogue import po_path

_VISIBLE_TEXTS_JS = """
() => {
  const out = [];
  const foreign = el => {
    // An element with its own lang attribute is written in that language on purpose (the
    // language picker names each language in itself: "Norsk", "English", "Svenska").
    const marked = el.closest('[lang]');
    return marked && marked !== document.documentElement;
  };
  const shown = el => {
    if (el.closest('kbd, script, style, template, noscript')) return false;
    if (el.closest('dialog:not([open])')) return false;
    if (el.closest('title') && el.closest('svg')) return true;  // a box's tooltip
    if (el.closest('option')) return true;  // a closed <select> still offers its options
    return el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    const text = node.textContent.trim();
    if (text && el && shown(el) && !foreign(el)) out.push(text);
  }
  for (const el of document.querySelectorAll('[title], [placeholder], [aria-label], img[alt]')) {
    if (foreign(el) || el.closest('kbd')) continue;
    for (const name of ['title', 'placeholder', 'aria-label', 'alt']) {
      const value = (el.getAttribute(name) || '').trim();
      if (value) out.push(value);
    }
  }
  out.push(document.title);
  return out;
}
"""

# Proper names of products that are written the same in every language.
PROPER_NAMES = ("Kontera", "Tripletex", "PowerOffice Go", "PowerOffice", "Fortnox", "Peppol")
_NEUTRAL = re.compile(r"[^\W\d_]{2,}")  # a word of two or more letters
# Identifiers and file names are data whatever they contain: ids and hashes, "model.json".
_IDENTIFIERS = re.compile(r"(?<!\w)(?:[0-9a-f]{16,}|[\w.-]+\.(?:json|png|pdf|xml|txt|csv))(?!\w)")


def visible_texts(page: Any) -> list[str]:
    texts: list[str] = page.evaluate(_VISIBLE_TEXTS_JS)
    return [" ".join(t.split()) for t in texts if t.strip()]


@dataclass(frozen=True)
class CataloguePatterns:
    patterns: list[re.Pattern[str]]

    @classmethod
    def of(cls, locale: str) -> CataloguePatterns:
        with po_path(locale).open("rb") as handle:
            po = read_po(handle, locale=locale)
        texts: set[str] = set()
        for entry in po:
            if not entry.id or not entry.string:
                continue
            strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
            texts.update(s for s in strings if s)
        # Longest first, so "Godkjenn og neste" goes before "Godkjenn". Texts that are only
        # placeholders and punctuation ("{first}; {second}.") would match anything: left out.
        ordered = sorted(texts, key=lambda t: -len(_literal(t)))
        return cls([_pattern(t) for t in ordered if _NEUTRAL.search(_literal(t))])

    def remove(self, text: str) -> tuple[str, int]:
        hits = 0
        for pattern in self.patterns:
            text, n = pattern.subn(" ", text)
            hits += n
        return text, hits


def _literal(template: str) -> str:
    return re.sub(r"\{[^{}]*\}", "", template)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^{}]*\})", template)
    body = "".join(".+?" if re.fullmatch(r"\{[^{}]*\}", p) else re.escape(p) for p in parts)
    body = re.sub(r"(\\ )+", r"\\s+", body)  # a no-break space in a value, a wrapped line
    return re.compile(rf"(?<!\w){body}(?!\w)")


@dataclass
class Verdict:
    unexplained: list[str]
    from_catalogue: int  # texts in which at least one catalogue text was found
    checked: int


def unexplained(texts: Iterable[str], catalogue: CataloguePatterns, data: set[str]) -> Verdict:
    data_patterns = [
        re.compile(rf"(?<!\w){re.escape(d)}(?!\w)")
        for d in sorted(data | set(PROPER_NAMES), key=len, reverse=True)
        if d.strip()
    ]
    left, from_catalogue, checked = [], 0, 0
    for text in texts:
        checked += 1
        rest, hits = catalogue.remove(_IDENTIFIERS.sub(" ", text))
        from_catalogue += hits > 0
        for pattern in data_patterns:
            rest = pattern.sub(" ", rest)
        if _NEUTRAL.search(rest):
            left.append(f"{text!r} (left: {' '.join(rest.split())!r})")
    return Verdict(left, from_catalogue, checked)


def data_strings(value: Any, *, skip: frozenset[str] = frozenset()) -> set[str]:
    """Every string in a JSON value (the invoice's own words), except under `skip` keys."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                found |= data_strings(item, skip=skip)
    elif isinstance(value, list):
        for item in value:
            found |= data_strings(item, skip=skip)
    elif isinstance(value, str) and value.strip():
        found.add(value.strip())
    return found
