"""Words with positions, grouped into lines: what the text layer and OCR both produce.

Coordinates are PDF points with the origin top-left (as `kontera.domain.fields.Box`); OCR
words are scaled from pixels to points so that a learned position means the same thing for a
born-digital page and a scan of it.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from kontera.domain.fields import Box
from kontera.domain.fields import Source


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    # The OCR engine's own confidence in 0..1 (1.0 for a born-digital text layer).
    conf: float = 1.0
    # Set in a bold face (known for text layers; OCR does not say).
    bold: bool = False

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def box(self) -> Box:
        return Box(self.x0, self.top, self.x1, self.bottom)


@dataclass(slots=True)
class Line:
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> Box:
        return union_box(self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)


@dataclass(slots=True)
class Page:
    number: int  # 1-based
    width: float
    height: float
    source: Source
    words: list[Word] = dc_field(default_factory=list)
    lines: list[Line] = dc_field(default_factory=list)
    # Degrees clockwise the reader turned the page before reading it (OCR of a sideways scan):
    # the page's words and boxes are in that turned frame.
    rotation: int = 0
    # Derived views (line texts, phrase cells) computed once per page by their owners.
    derived: dict[str, Any] = dc_field(default_factory=dict, repr=False, compare=False)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def page_turns(pages: list[Page]) -> dict[int, int]:
    """Quarter turns clockwise per page number, for the pages the reader turned."""
    return {page.number: (page.rotation // 90) % 4 for page in pages if page.rotation % 360}


def union_box(words: list[Word]) -> Box:
    return Box(
        min(w.x0 for w in words),
        min(w.top for w in words),
        max(w.x1 for w in words),
        max(w.bottom for w in words),
    )


def build_page(number: int, width: float, height: float, source: Source, words: list[Word]) -> Page:
    kept = [w for w in words if w.text.strip()]
    lines = [Line(_join_touching(line.words)) for line in group_lines(kept)]
    return Page(number, width, height, source, [w for line in lines for w in line.words], lines)


def _join_touching(words: list[Word]) -> list[Word]:
    """Glue pieces of one word that a PDF drew as separate runs (kerning, overlapping glyphs)."""
    joined = [words[0]]
    for word in words[1:]:
        previous = joined[-1]
        overlap = min(word.bottom, previous.bottom) - max(word.top, previous.top)
        same_row = overlap >= 0.6 * min(word.height, previous.height)
        if same_row and word.x0 - previous.x1 < 0.18 * min(word.height, previous.height):
            joined[-1] = Word(
                previous.text + word.text,
                previous.x0,
                min(previous.top, word.top),
                max(previous.x1, word.x1),
                max(previous.bottom, word.bottom),
                min(previous.conf, word.conf),
                previous.bold or word.bold,
            )
        else:
            joined.append(word)
    return joined


def group_lines(words: list[Word]) -> list[Line]:
    """Group words whose vertical extents overlap into lines, top to bottom, left to right."""
    lines: list[tuple[float, float, list[Word]]] = []
    for word in sorted(words, key=lambda w: (w.top + w.bottom) / 2):
        centre = (word.top + word.bottom) / 2
        if lines:
            top, bottom, members = lines[-1]
            if top <= centre <= bottom and _same_band(word, top, bottom):
                members.append(word)
                lines[-1] = (min(top, word.top), max(bottom, word.bottom), members)
                continue
        lines.append((word.top, word.bottom, [word]))
    return [Line(sorted(members, key=lambda w: w.x0)) for _, _, members in lines]


def _same_band(word: Word, top: float, bottom: float) -> bool:
    overlap = min(bottom, word.bottom) - max(top, word.top)
    return overlap >= 0.5 * min(word.height, bottom - top)


def phrases(line: Line) -> list[list[Word]]:
    """Split a line into phrases at gaps wider than about two spaces (table columns)."""
    if not line.words:
        return []
    gap_limit = 1.2 * statistics.median(w.height for w in line.words)
    groups: list[list[Word]] = [[line.words[0]]]
    for previous, word in zip(line.words, line.words[1:], strict=False):
        if word.x0 - previous.x1 > gap_limit:
            groups.append([word])
        else:
            groups[-1].append(word)
    return groups


def pages_to_json(pages: list[Page]) -> list[dict[str, Any]]:
    """Pages as plain JSON (words with boxes, confidence and face), to keep an OCR reading."""
    return [
        {
            "number": p.number,
            "width": p.width,
            "height": p.height,
            "source": p.source.value,
            "words": [[w.text, w.x0, w.top, w.x1, w.bottom, w.conf, w.bold] for w in p.words],
        }
        for p in pages
    ]


def pages_from_json(raw: list[dict[str, Any]]) -> list[Page]:
    return [
        build_page(
            int(p["number"]),
            float(p["width"]),
            float(p["height"]),
            Source(p["source"]),
            [Word(*w) for w in p["words"]],
        )
        for p in raw
    ]


def scan_words(pages: list[Page]) -> bytes | None:
    """The pages as JSON bytes when OCR read any of them (nothing to keep for text layers)."""
    if not any(page.source is Source.OCR for page in pages):
        return None
    return json.dumps(pages_to_json(pages)).encode()
