"""Candidate values for each field: a label, then a value to its right or just below it.

A candidate keeps everything the scorer needs (how strong the label was, how near the value
sat, whether a check digit holds, how sure OCR was of the words) and where it is on the page,
so that the chosen value carries its page and box into the interpretation.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from decimal import Decimal
from typing import Any

from kontera.domain.fields import Box
from kontera.interpret.fields.labels import ANY_LABEL
from kontera.interpret.fields.labels import EXCLUDE
from kontera.interpret.fields.labels import EXCLUDE_NEXT
from kontera.interpret.fields.labels import LABELS
from kontera.interpret.fields.labels import fold
from kontera.interpret.fields.parse_text import Found
from kontera.interpret.textpage import Line
from kontera.interpret.textpage import Page
from kontera.interpret.textpage import Word
from kontera.interpret.textpage import union_box

Finder = Callable[[str], Sequence[Found[Any]]]

# How far below a label a value may sit (lines) and how much each step costs.
_BELOW_DECAY = (0.85, 0.6, 0.45, 0.35)


@dataclass(frozen=True, slots=True)
class Candidate:
    field: str
    value: Any
    page: int
    box: Box
    label: float  # label weight × proximity, 0 for an unlabelled find
    ocr_conf: float
    line_index: int
    label_text: str = ""


@dataclass(frozen=True, slots=True)
class LineText:
    """A line's text with the character span of each word, to map finds back to words."""

    line: Line
    text: str
    spans: tuple[tuple[int, int], ...]
    lower: str

    @classmethod
    def of(cls, line: Line) -> LineText:
        """Words joined by one space, or two across a column gap (so "19  163,16" stays two
        numbers where "1 163,16" is one)."""
        spans, parts, position = [], [], 0
        gap_limit = column_gap(line)
        for i, word in enumerate(line.words):
            if i:
                separator = "  " if word.x0 - line.words[i - 1].x1 > gap_limit else " "
                parts.append(separator)
                position += len(separator)
            spans.append((position, position + len(word.text)))
            parts.append(word.text)
            position += len(word.text)
        text = "".join(parts)
        return cls(line, text, tuple(spans), fold(text.lower()))

    def words_between(self, start: int, end: int) -> list[Word]:
        return [
            w
            for w, (s, e) in zip(self.line.words, self.spans, strict=True)
            if s < end and start < e
        ]

    def offset_of_x(self, x: float) -> int:
        """The character offset where words starting at or right of `x` begin."""
        for word, (start, _) in zip(self.line.words, self.spans, strict=True):
            if word.x0 >= x - 1:
                return start
        return len(self.text)


def column_gap(line: Line) -> float:
    """A gap wider than this between two words is a column gap, not a space."""
    if not line.words:
        return 0.0
    height = statistics.median(w.height for w in line.words)
    char_width = statistics.median((w.x1 - w.x0) / max(len(w.text), 1) for w in line.words)
    return max(1.0 * height, 2.0 * char_width)


def page_texts(page: Page) -> list[LineText]:
    if "texts" not in page.derived:
        page.derived["texts"] = [LineText.of(line) for line in page.lines]
    texts: list[LineText] = page.derived["texts"]
    return texts


def labelled_candidates(
    page: Page, texts: list[LineText], field: str, finder: Finder, *, prefer_last: bool = False
) -> list[Candidate]:
    """Values found right of or below each label of `field` on the page."""
    found: list[Candidate] = []
    any_label = ANY_LABEL.get(field)
    for index, text in enumerate(texts):
        lower = text.lower
        if any_label is None or not any_label.search(lower):
            continue
        for label in LABELS[field]:
            for match in label.pattern.finditer(lower):
                if label_excluded(field, lower, match.start(), match.end()):
                    continue
                label_box = union_box(
                    text.words_between(match.start(), match.end()) or text.line.words
                )
                weight = label.weight
                found += _right_of(
                    page, text, index, field, finder, match.end(), weight, prefer_last
                )
                found += _below(page, texts, index, field, finder, label_box, weight)
                if not text.text[match.end() :].strip(" :") and index + 1 < len(texts):
                    found += _line_start(page, texts[index + 1], index + 1, field, finder, weight)
    return found


def unlabelled_candidates(
    page: Page, texts: list[LineText], field: str, finder: Finder
) -> list[Candidate]:
    found = []
    for index, text in enumerate(texts):
        for hit in finder(text.text):
            found.append(_candidate(page, text, index, field, hit, 0.0, ""))
    return found


def label_excluded(field: str, lower: str, start: int, end: int) -> bool:
    """Does the label's own phrase (back to a colon or wide gap, on to the value) say otherwise?"""
    following = EXCLUDE_NEXT.get(field)
    if following is not None and following.match(lower, end):
        return True
    pattern = EXCLUDE.get(field)
    if pattern is None:
        return False
    before = lower[max(0, start - 40) : start]
    for mark in (":", "  "):
        cut = before.rfind(mark)
        if cut >= 0:
            before = before[cut + 1 :]
    after = re.split(r"[\d:]", lower[end : end + 30], maxsplit=1)[0]
    return bool(pattern.search(before + lower[start:end] + after))


def _right_of(
    page: Page,
    text: LineText,
    index: int,
    field: str,
    finder: Finder,
    label_end: int,
    weight: float,
    prefer_last: bool,
) -> list[Candidate]:
    tail = text.text[label_end:]
    hits = [Found(h.value, h.start + label_end, h.end + label_end) for h in finder(tail)]
    if not hits:
        return []
    best = len(hits) - 1 if prefer_last else 0
    label_text = text.text[:label_end]
    return [
        _candidate(page, text, index, field, hit, weight * (1.0 if i == best else 0.55), label_text)
        for i, hit in enumerate(hits[:6])
    ]


def _below(
    page: Page,
    texts: list[LineText],
    index: int,
    field: str,
    finder: Finder,
    label_box: Box,
    weight: float,
) -> list[Candidate]:
    found: list[Candidate] = []
    for step, decay in enumerate(_BELOW_DECAY, start=1):
        if index + step >= len(texts):
            break
        below = texts[index + step]
        if below.line.top - label_box.bottom > 4 * (label_box.bottom - label_box.top) + 10:
            break
        start = _column_start(below, label_box)
        if start is None:
            continue
        for hit in finder(below.text[start:])[:1]:
            shifted = Found(hit.value, hit.start + start, hit.end + start)
            words = below.words_between(shifted.start, shifted.end)
            if words and _overlaps(union_box(words), label_box):
                found.append(
                    _candidate(page, below, index + step, field, shifted, weight * decay, "")
                )
    return _column_total(found, weight)


def _line_start(
    page: Page, text: LineText, index: int, field: str, finder: Finder, weight: float
) -> list[Candidate]:
    """A label that ends its line ("… auf folgende Bankverbindung: IBAN") continues on the next
    line's first word."""
    hits = finder(text.text)
    if not hits or hits[0].start > 0:
        return []
    return [_candidate(page, text, index, field, hits[0], weight * 0.7, "")]


def _column_total(found: list[Candidate], weight: float) -> list[Candidate]:
    """Under a column heading, a last row that sums the rows above it is the column's total."""
    values = [c.value for c in found]
    if len(found) < 3 or not all(isinstance(v, Decimal) for v in values):
        return found
    if sum(values[:-1]) != values[-1]:
        return found
    return [replace(c, label=weight * 0.2) for c in found[:-1]] + [
        replace(found[-1], label=weight * 0.95)
    ]


def _column_start(text: LineText, label_box: Box) -> int | None:
    for word, (start, _) in zip(text.line.words, text.spans, strict=True):
        if word.x1 >= label_box.x0 - 2:
            return start if word.x0 <= label_box.x1 + 60 else None
    return None


def _overlaps(box: Box, label_box: Box) -> bool:
    return box.x0 <= label_box.x1 + 40 and box.x1 >= label_box.x0 - 40


def _candidate(
    page: Page,
    text: LineText,
    index: int,
    field: str,
    hit: Found[Any],
    label: float,
    label_text: str,
) -> Candidate:
    words = text.words_between(hit.start, hit.end) or text.line.words
    return Candidate(
        field=field,
        value=hit.value,
        page=page.number,
        box=union_box(words),
        label=label,
        ocr_conf=min(w.conf for w in words),
        line_index=index,
        label_text=label_text.strip()[-40:],
    )
