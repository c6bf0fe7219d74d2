"""Seller-name candidates for the learned reader: the name-like phrases of the first page.

A name has no typed pattern to find it by, so every phrase of the first page that reads like
a name is a candidate — the letterhead, the sender line over the address window, the name in
the footer, the buyer's name too (the model must tell them apart) — with a few cut-down
readings of it: the part before the first separator ("Firma AS · Gate 1 · 0150 Oslo"), the
part up to a company form ("Nord AS  FAKTURA" set too close to be two phrases), the phrase
without a leading "Name:" label or a trailing document title. What tells the seller's name
from the rest is left to the features (`reader_features.name_features`): type size and
weight, place, company form, the seller's or buyer's block, the seller's tax id nearby,
repetition, and the weight the hand-set rules give it (`seller.name_candidates`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from kontera.domain.fields import Source
from kontera.interpret.fields.candidates import page_texts
from kontera.interpret.fields.labels import COMPANY_SUFFIX
from kontera.interpret.fields.parse_text import Found
from kontera.interpret.fields.reader_hits import Context
from kontera.interpret.fields.reader_hits import Hit
from kontera.interpret.fields.reader_hits import hit_of
from kontera.interpret.fields.reader_hits import page_segments
from kontera.interpret.textpage import Page

NAME = "name"
# How a candidate was cut from its phrase (a feature: a whole phrase is the usual case).
WHOLE, FIRST_PART, TO_COMPANY_FORM, UNLABELLED, JOINED, WITHOUT_LOGO, WITHOUT_TITLE = range(7)
_SEPARATOR = re.compile(r"\s*(?:[●•·|]|\s-\s|,\s)\s*")
_LABEL = re.compile(r"(?i)^(?:name|navn|namn|nom|naam|firma|company|firmanavn)\s*:\s*")
_TITLE = re.compile(
    r"(?i)\s+(?:faktura|invoice|rechnung|facture|factuur|kreditnota|credit note|gutschrift)$"
)
_INITIALS = re.compile(r"([^\W\d_]{1,3})\s+(?=\S)")
_MAX_LENGTH = 70
_HEADING_GAP = 1.5  # line heights
_SHORTEST_BEFORE_TITLE = 6
# Tesseract's usual misreads of a company form after a name ("Supplies pic", "Salescompany
# Itd."): l read as I or i. Same length, so every offset into the line stays right; no other
# word reads like these after a word in a letterhead.
_MISREAD_FORM = re.compile(r"(?<=[^\W\d_])(\s+)(pic|Itd)(?![\w])")
_MENDED = {"pic": "plc", "Itd": "ltd"}


def name_hits(page: Page) -> list[Hit]:
    """Every name-like reading of the page's phrases (computed once per page)."""
    if "name_hits" not in page.derived:
        page.derived["name_hits"] = _name_hits(page)
    hits: list[Hit] = page.derived["name_hits"]
    return hits


def _name_hits(page: Page) -> list[Hit]:
    texts = page_texts(page)
    segments = page_segments(page)
    bottoms = [text.line.bottom for text in texts]
    found: list[Hit] = []
    for index, text in enumerate(texts):
        line = segments[index]
        read = mended_company_form(text.text) if page.source is Source.OCR else text.text
        for position, segment in enumerate(line):
            readings = _readings(read, segment.start, segment.end)
            if position and COMPANY_SUFFIX.fullmatch(read[segment.start : segment.end]):
                # "Nordlys Kontor   AS": a company form set (or read) apart from its name.
                readings.append((JOINED, line[position - 1].start, segment.end))
            for way, start, end in readings:
                value = re.sub(r"\s+", " ", read[start:end]).strip(" ,;:")
                if not name_like(value):
                    continue
                reading = Found(value, start, end)
                hit = hit_of(texts, segments, bottoms, page.number, index, NAME, reading, start)
                own = _own_context(hit.context, prefixed=start > segment.start)
                found.append(replace(hit, cut=way, context=own))
    return found


def mended_company_form(text: str) -> str:
    """The OCR'd line with a misread company form put right ("Pennine Cleaning pic" →
    "Pennine Cleaning plc"); as long as the line, so offsets into it still hold."""
    return _MISREAD_FORM.sub(lambda m: m.group(1) + _MENDED[m.group(2)], text)


def _own_context(context: Context, *, prefixed: bool) -> Context:
    """A name's label is a block heading right over it ("Leverandør", "Bill to") or a label
    in its own phrase ("Navn: …"); never the phrase left of it (the buyer's name beside the
    letterhead says nothing about it), a column heading far up, or a header band two lines
    over a letterhead in large type."""
    nothing = tuple(0.0 for _ in context.header)
    if not prefixed:
        context = replace(context, near=nothing, line=nothing)
    if context.above_dy <= _HEADING_GAP:
        return replace(context, header=nothing, header_steps=0)
    return replace(
        context,
        above=nothing,
        above_steps=0,
        above_dy=0.0,
        above_dx0=0.0,
        above_dx1=0.0,
        header=nothing,
        header_steps=0,
    )


def _readings(text: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """(way, start, end) of each reading of the phrase text[start:end]."""
    phrase = text[start:end]
    found = [(WHOLE, start, end)]
    label = _LABEL.match(phrase)
    if label:
        found.append((UNLABELLED, start + label.end(), end))
    separator = _SEPARATOR.search(phrase)
    if separator and separator.start() > 0:
        found.append((FIRST_PART, start, start + separator.start()))
    form = COMPANY_SUFFIX.search(phrase)
    if form and form.start() > 0 and phrase[form.end() :].strip():
        found.append((TO_COMPANY_FORM, start, start + form.end()))
    initials = _INITIALS.match(phrase)
    if initials and _initials_of(initials.group(1), phrase[initials.end() :]):
        found.append((WITHOUT_LOGO, start + initials.end(), end))
    title = _TITLE.search(phrase)
    if title and title.start() >= _SHORTEST_BEFORE_TITLE:  # "TAX INVOICE" is no name + title
        found.append((WITHOUT_TITLE, start, start + title.start()))
    return found


def _initials_of(mark: str, name: str) -> bool:
    """A logo's letters set on the name's line ("QV QVK Montage AB", "Mä Mälar Bygg AB"):
    the start of the name's first word, or its words' initials."""
    words = name.split()
    if not words:
        return False
    initials = "".join(w[0] for w in words)
    return words[0].casefold().startswith(mark.casefold()) or initials.casefold().startswith(
        mark.casefold()
    )


def name_like(text: str) -> bool:
    """Mostly letters, no postcode or phone run, no "label: value"."""
    if not 3 <= len(text) <= _MAX_LENGTH or ":" in text or text.startswith("("):
        return False
    if COMPANY_SUFFIX.fullmatch(text.strip(" .")):
        return False  # "Ltd" alone: a company form read apart from its name
    if re.search(r"\d{4}|@|www\.|https?:", text):
        return False
    letters = sum(c.isalpha() for c in text)
    return letters >= 0.6 * len(text.replace(" ", "")) and text[0].isalnum()
