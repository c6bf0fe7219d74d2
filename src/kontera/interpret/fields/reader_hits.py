"""Every value on the pages that could be a field, with the words around it.

The learned reader (`reader_model.py`) does not look for labels first: it takes every date,
amount, reference and identifier that the typed finders (`parse_text`, `parse_ids`, check
digits included) see on the page, and describes each by its surroundings — the words left of
it on its line, the words above it, the column heading over it — as concept vectors that mean
the same in every language (`concepts`). Which value is which field is then a ranking
question, answered the same way on layouts never seen.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from kontera.domain.fields import Box
from kontera.domain.fields import Source
from kontera.interpret.fields import parse_ids
from kontera.interpret.fields.candidates import LineText
from kontera.interpret.fields.candidates import page_texts
from kontera.interpret.fields.parse_text import Found
from kontera.interpret.fields.parse_text import find_amounts
from kontera.interpret.fields.parse_text import find_dates
from kontera.interpret.fields.parse_text import find_references
from kontera.interpret.fields.reader_concepts import NOTHING
from kontera.interpret.fields.reader_concepts import concepts
from kontera.interpret.fields.reader_rereads import REREAD
from kontera.interpret.fields.reader_rereads import ocr_rereadings
from kontera.interpret.textpage import Page
from kontera.interpret.textpage import union_box

_ABOVE_LINES = 4
_HEADER_LINES = 25


def _org_numbers(text: str) -> list[Found[str]]:
    return [*parse_ids.find_no_org_numbers(text), *parse_ids.find_se_org_numbers(text)]


def _kids(text: str) -> list[Found[str]]:
    # Short check-digit numbers are everywhere (quantities, postcodes): a KID has five digits
    # or more in practice.
    return [f for f in parse_ids.find_kids(text) if len(f.value) >= 5]


KIND_FINDERS: dict[str, Callable[[str], Sequence[Found[Any]]]] = {
    "date": find_dates,
    "amount": lambda text: find_amounts(text, whole=False),
    "iban": parse_ids.find_ibans,
    "kid": _kids,
    "account": parse_ids.find_no_bank_accounts,
    "bankgiro": parse_ids.find_bankgiro,
    "vat_id": parse_ids.find_vat_ids,
    "org": _org_numbers,
    # BICs are read only so that no reference candidate is made of one.
    "bic": parse_ids.find_bics,
}
# Values whose span no invoice-number candidate may reuse (a digit run that passes a KID or
# account check can still be the invoice number; a date, an IBAN or a VAT id cannot).
_EXCLUSIVE = {"date", "iban", "vat_id", "bic"}
FIELD_KIND = {
    "invoice_number": "ref",
    "issue_date": "date",
    "due_date": "date",
    "totals.net": "amount",
    "totals.vat": "amount",
    "totals.gross": "amount",
    "totals.payable": "amount",
    "payment.iban": "iban",
    "payment.kid": "kid",
    "payment.bank_account": "account",
    "payment.bankgiro": "bankgiro",
    "seller.vat_id": "vat_id",
    "seller.org_number": "org",
    "seller.name": "name",
}
KIND_FIELDS: dict[str, list[str]] = {}
for _field, _kind in FIELD_KIND.items():
    KIND_FIELDS.setdefault(_kind, []).append(_field)


@dataclass(frozen=True, slots=True)
class Context:
    """The words around a value: as text, and as a concept vector (`concepts`)."""

    near: tuple[float, ...]  # the phrase just left of the value (or the value's own phrase)
    line: tuple[float, ...]  # everything left of it on its line
    above: tuple[float, ...]  # the words over it, up to four lines up
    header: tuple[float, ...]  # the nearest labelled heading over its column
    right: tuple[float, ...]  # the words right of it, to the next column gap
    gap: float  # from the nearest word on its left, in line heights (-1: none)
    above_steps: int  # lines up to the words above (0: none)
    above_dy: float  # vertical gap to them, in line heights
    above_dx0: float  # left-edge offset from them, in line heights
    above_dx1: float  # right-edge offset
    header_steps: int
    # "Oslo, 3. mars 2025", "Hamburg, den …": a place and a comma before a date (letter style)
    place_before: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str
    value: Any
    page: int
    line: int
    box: Box
    conf: float
    height: float
    bold: bool
    start: int
    end: int
    context: Context
    synthetic: bool = False  # a value worked out (a VAT breakdown's sum), not printed
    reread: bool = False  # a reference with OCR's letter-for-digit confusions undone
    cut: int = 0  # how a name candidate was cut from its phrase (`reader_names`)


def page_hits(page: Page) -> list[Hit]:
    """Every typed value on the page with its context (computed once per page)."""
    if "hits" not in page.derived:
        page.derived["hits"] = _hits(page)
    hits: list[Hit] = page.derived["hits"]
    return hits


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of words between column gaps, with its concept vector."""

    x0: float
    x1: float
    start: int
    end: int
    vector: tuple[float, ...]


def _hits(page: Page) -> list[Hit]:
    texts = page_texts(page)
    segments = page_segments(page)
    bottoms = [text.line.bottom for text in texts]
    found: list[Hit] = []
    ocr = page.source is Source.OCR
    for index, text in enumerate(texts):
        finds = _line_finds(text.text, ocr=ocr)
        spans = sorted((f.start, f.end) for _, f in finds)
        for kind, hit in finds:
            start = max((e for s, e in spans if e <= hit.start), default=0)
            made = hit_of(texts, segments, bottoms, page.number, index, kind, hit, start)
            found.append(replace(made, kind="ref", reread=True) if kind == REREAD else made)
    return found


def _line_finds(text: str, *, ocr: bool = False) -> list[tuple[str, Found[Any]]]:
    """Every typed value on one line; a VAT id inside an IBAN is no VAT id. On a scan, also
    each reference as it was probably printed (`ocr_rereadings`)."""
    finds: list[tuple[str, Found[Any]]] = []
    taken: list[tuple[int, int]] = []
    for kind, finder in KIND_FINDERS.items():
        for hit in finder(text):
            if kind == "vat_id" and _overlaps(hit, [f for k, f in finds if k == "iban"]):
                continue
            if kind in _EXCLUSIVE or (kind == "amount" and _two_decimals(text, hit)):
                taken.append((hit.start, hit.end))
            finds.append((kind, hit))
    references = [hit for hit in find_references(text) if _reference_like(hit, taken)]
    finds += [("ref", hit) for hit in references]
    if ocr:
        known = {(hit.start, hit.value) for hit in references}
        finds += [
            (REREAD, hit)
            for hit in ocr_rereadings(text)
            if (hit.start, hit.value) not in known and _reference_like(hit, taken)
        ]
    return finds


def _overlaps(hit: Found[Any], others: list[Found[Any]]) -> bool:
    return any(o.start < hit.end and hit.start < o.end for o in others)


def page_segments(page: Page) -> list[list[Segment]]:
    """Each line's segments (runs of words between column gaps), once per page."""
    if "segments" not in page.derived:
        page.derived["segments"] = [_segments(text) for text in page_texts(page)]
    segments: list[list[Segment]] = page.derived["segments"]
    return segments


def _two_decimals(text: str, hit: Found[Any]) -> bool:
    """ "603.210" may be an invoice number as well as an amount; "1 234,56" is only an amount."""
    printed = text[hit.start : hit.end].rstrip("-")
    return bool(re.search(r"[.,]\d{2}$|,-$", printed))


def _segments(text: LineText) -> list[Segment]:
    found = []
    for match in re.finditer(r"\S+(?: \S+)*", text.text):
        words = text.words_between(match.start(), match.end())
        if words:
            box = union_box(words)
            found.append(
                Segment(box.x0, box.x1, match.start(), match.end(), concepts(match.group()))
            )
    return found


def _reference_like(hit: Found[str], taken: list[tuple[int, int]]) -> bool:
    if any(s < hit.end and hit.start < e for s, e in taken):
        return False
    value = hit.value
    if re.fullmatch(r"(19|20)\d\d", value) or re.fullmatch(r"\d{1,2}", value):
        return False
    return len(value) >= 3


def hit_of(
    texts: list[LineText],
    segments: list[list[Segment]],
    bottoms: list[float],
    page: int,
    index: int,
    kind: str,
    found: Found[Any],
    prefix_start: int,
) -> Hit:
    text = texts[index]
    words = text.words_between(found.start, found.end) or text.line.words
    box = union_box(words)
    height = statistics.median(w.height for w in words)
    return Hit(
        kind=kind,
        value=found.value,
        page=page,
        line=index,
        box=box,
        conf=min(w.conf for w in words),
        height=height,
        bold=any(w.bold for w in words),
        start=found.start,
        end=found.end,
        context=_context(
            texts, segments, bottoms, index, found, prefix_start, box, max(height, 1.0)
        ),
    )


def _context(
    texts: list[LineText],
    segments: list[list[Segment]],
    bottoms: list[float],
    index: int,
    found: Found[Any],
    prefix_start: int,
    box: Box,
    height: float,
) -> Context:
    """The words around a value. Its "near" words run back to the start of its phrase or the
    previous value, whichever is closer: in "Org.nr 123 · IBAN NO12 …" the IBAN's label is
    "IBAN", not "Org.nr"."""
    text, own = texts[index], segments[index]
    left = [seg for seg in own if seg.end <= found.start]
    home = next((seg for seg in own if seg.start <= found.start < seg.end), None)
    start = max(home.start, prefix_start) if home is not None else prefix_start
    prefix = text.text[start : found.start] if home is not None else ""
    near = concepts(prefix) if re.search(r"[^\W\d_]|%", prefix) else NOTHING
    if not any(near) and left:
        near = left[-1].vector
    line = _max([near, *(seg.vector for seg in left)])
    suffix = text.text[found.end : home.end] if home is not None else ""
    following = [seg for seg in own if seg.start >= found.end]
    right = concepts(suffix) if suffix.strip() else following[0].vector if following else NOTHING
    words_left = [w for w in text.line.words if w.x1 <= box.x0 + 0.5]
    gap = (box.x0 - words_left[-1].x1) / height if words_left else -1.0
    above = _above(segments, bottoms, index, box, height)
    place = bool(_PLACE.match(prefix))
    return Context(near, line, above[0], above[5], right, gap, *above[1:5], above[6], place)


_PLACE = re.compile(r"^\s*[A-ZÆØÅÄÖÜ][\w.\- ]{1,30},\s*(?:den|le|am|the)?\s*$")


def _max(vectors: list[tuple[float, ...]]) -> tuple[float, ...]:
    vectors = [v for v in vectors if any(v)]
    if not vectors:
        return NOTHING
    if len(vectors) == 1:
        return vectors[0]
    return tuple(max(values) for values in zip(*vectors, strict=True))


def _above(
    segments: list[list[Segment]], bottoms: list[float], index: int, box: Box, height: float
) -> tuple[tuple[float, ...], int, float, float, float, tuple[float, ...], int]:
    """The words over the value (within four lines and a few line heights), and the nearest
    line further up whose words over the value's column carry a label (a column heading)."""
    above: tuple[float, ...] = NOTHING
    steps, dy, dx0, dx1 = 0, 0.0, 0.0, 0.0
    for step in range(1, min(_HEADER_LINES, index) + 1):
        # Words over the value that start before its right edge: a label starts left of or
        # over its value, never right of it (that is the next field's label).
        over = [s for s in segments[index - step] if s.x0 <= box.x1 + 2 and s.x1 >= box.x0 - 12]
        if not over and step <= 2 and box.top - bottoms[index - step] <= 2.5 * height:
            # A small label in the upper-left corner of a framed field, the value at its right.
            over = [s for s in segments[index - step] if box.x0 - 160 <= s.x0 and s.x1 <= box.x1]
            over = [s for s in over if any(s.vector)][-1:]
        if not over:
            continue
        vector = _max([s.vector for s in over])
        bottom = bottoms[index - step]
        if steps == 0 and step <= _ABOVE_LINES and box.top - bottom <= 3.5 * height:
            above, steps = vector, step
            dy = (box.top - bottom) / height
            dx0 = (box.x0 - min(s.x0 for s in over)) / height
            dx1 = (box.x1 - max(s.x1 for s in over)) / height
        if any(vector):
            return above, steps, dy, dx0, dx1, vector, step
    return above, steps, dy, dx0, dx1, NOTHING, 0
