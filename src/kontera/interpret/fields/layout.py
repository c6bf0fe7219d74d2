"""Learning from corrections: where does this supplier put each field?

When a bookkeeper corrects a field, `learn_from_correction(page, field, value)` finds the
corrected value among the page's words and remembers, per field, the box where it sits (as
fractions of the page, so a scan and the born-digital PDF agree) and the text just left of or
above it (the label this supplier uses). The hints are plain JSON, stored per supplier by the
caller and passed back in `InterpretContext.layout_hints`. `apply_hints` is pure: it reads the
value at the remembered place on a new invoice and lets it override the generic choice.

`layout_hints` is keyed by supplier (VAT id, org.nr or name); the hint found for the page's
seller is used, and each hint carries a `fingerprint` of the layout so that a supplier who
changes their invoice design does not get last year's positions applied blindly.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from rapidfuzz import fuzz

from kontera.domain.fields import Box
from kontera.domain.fields import Source
from kontera.domain.invoice import Party
from kontera.domain.suppliers import supplier_key
from kontera.interpret.fields import parse_ids
from kontera.interpret.fields.choice import Choice
from kontera.interpret.fields.labels import fold
from kontera.interpret.fields.parse_text import Found
from kontera.interpret.fields.parse_text import find_amounts
from kontera.interpret.fields.parse_text import find_currencies
from kontera.interpret.fields.parse_text import find_dates
from kontera.interpret.fields.parse_text import find_references
from kontera.interpret.textpage import Line
from kontera.interpret.textpage import Page

HINT_VERSION = 1
_LEARNED_RAW = 0.97
_FINGERPRINT_WORDS = 40
_SAME_LAYOUT_SHARE = 0.5  # Jaccard share of label words at the same places
_TEXT_SLACK = 6.0  # points a value may move on a text layer
_SCAN_SLACK = 18.0  # … and on a scan (placement on the glass, skew, OCR box jitter)
_ANCHOR_MATCH = 80  # rapidfuzz ratio for a label read again by OCR


def _finder(field: str) -> Callable[[str], Sequence[Found[Any]]]:
    if field.startswith("totals."):
        return lambda text: find_amounts(text, whole=True)
    if field.endswith("_date"):
        return find_dates
    if field == "currency":
        return find_currencies
    if field == "payment.iban":
        return parse_ids.find_ibans
    if field == "payment.kid":
        return parse_ids.find_kids
    if field == "seller.vat_id":
        return parse_ids.find_vat_ids
    return find_references


def fingerprint(page: Page) -> str:
    """A layout's signature: the label-like words of the page's upper part, position-rounded."""
    return hashlib.sha256(" ".join(_layout_tokens(page)).encode()).hexdigest()[:16]


def _layout_tokens(page: Page) -> list[str]:
    words = [w for w in page.words if not any(c.isdigit() for c in w.text)][:_FINGERPRINT_WORDS]
    return sorted(f"{w.text.lower()}@{round(w.x0 / page.width * 10)}" for w in words)


def same_layout(hint: Mapping[str, Any], page: Page) -> bool:
    """Is `page` in the layout the hint was learned on? The exact signature for text layers;
    for scans (whose words OCR reads a little differently every time, a word or two lost or
    misspelt) most of the label words at the same places."""
    if hint.get("fingerprint") == fingerprint(page):
        return True
    learned = set(hint.get("layout_words") or ())
    if not learned:
        return False
    tokens = set(_layout_tokens(page))
    return len(learned & tokens) >= _SAME_LAYOUT_SHARE * len(learned | tokens)


def learn_from_correction(page: Page, field: str, corrected_value: Any) -> dict[str, Any] | None:
    """A JSON hint saying where `corrected_value` sits on `page`, or None when it is not there.

    Besides the value's place (as fractions of the page), the hint keeps the label left of it
    with the value's offset from that label: a scan lies a little differently on the glass
    each time, and the label moves with the value."""
    finder = _finder(field)
    for line in page.lines:
        for found in finder(line.text):
            if _same(found.value, corrected_value):
                box = _words_box(line, found)
                return {
                    "version": HINT_VERSION,
                    "field": field,
                    "page": page.number,
                    "box": [
                        box.x0 / page.width,
                        box.top / page.height,
                        box.x1 / page.width,
                        box.bottom / page.height,
                    ],
                    "label": _label_left_of(line, found),
                    "fingerprint": fingerprint(page),
                    "layout_words": _layout_tokens(page),
                    "anchor": _anchor(page, line, found, box),
                }
    return None


def _anchor(page: Page, line: Line, found: Found[Any], box: Box) -> dict[str, Any] | None:
    """The words just left of the value on its line, and the value's offset from them."""
    left = [w for w in line.words if w.x1 <= box.x0 + 0.5][-3:]
    left = [w for w in left if not any(c.isdigit() for c in w.text)]
    if not left:
        return None
    x0, top = left[0].x0, min(w.top for w in left)
    return {
        "text": " ".join(w.text for w in left),
        "dx": (box.x0 - x0) / page.width,
        "dy": (box.top - top) / page.height,
    }


def apply_hints(
    choices: dict[str, Choice], pages: list[Page], layout_hints: Mapping[str, Any]
) -> dict[str, Choice]:
    """Override generic choices with values read where this supplier's hints point."""
    hints = _hints_for(choices, layout_hints)
    if not hints:
        return choices
    result = dict(choices)
    for hint in hints:
        learned = _read_at_hint(hint, pages)
        generic = result.get(learned.path) if learned is not None else None
        if learned is None:
            continue
        # Same layout: the learned place wins. A changed layout: only over a weak reading.
        if learned.raw >= _LEARNED_RAW or generic is None or generic.raw < learned.raw:
            result[learned.path] = learned
    return result


def hints_key(choices: Mapping[str, Choice]) -> str | None:
    """The supplier key (`kontera.domain.suppliers.supplier_key`) of the page's seller."""
    values = {
        p: choices[p].value
        for p in ("seller.name", "seller.org_number", "seller.vat_id")
        if p in choices
    }
    party = Party(
        name=values.get("seller.name"),
        org_number=values.get("seller.org_number"),
        vat_id=values.get("seller.vat_id"),
    )
    return supplier_key(party)


def _hints_for(choices: dict[str, Choice], layout_hints: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Hints filed under the seller's supplier key (or under its raw VAT id, org.nr or name)."""
    raw = [
        str(choices[p].value)
        for p in ("seller.vat_id", "seller.org_number", "seller.name")
        if p in choices
    ]
    for key in [hints_key(choices), *raw]:
        if key is not None and key in layout_hints:
            found = layout_hints[key]
            return [h for h in found if isinstance(h, dict) and h.get("version") == HINT_VERSION]
    return []


def _read_at_hint(hint: dict[str, Any], pages: list[Page]) -> Choice | None:
    page = next((p for p in pages if p.number == hint.get("page")), None)
    if page is None:
        return None
    x0, top, x1, bottom = hint["box"]
    target = Box(x0 * page.width, top * page.height, x1 * page.width, bottom * page.height)
    target = _anchored(hint, page) or target
    slack = _SCAN_SLACK if page.source is Source.OCR else _TEXT_SLACK
    raw = _LEARNED_RAW if same_layout(hint, page) else 0.8
    finder = _finder(hint["field"])
    best: tuple[float, Any, Box] | None = None
    for line in page.lines:
        if line.bottom < target.top - slack or line.top > target.bottom + slack:
            continue
        for found in finder(line.text):
            box = _words_box(line, found)
            if box.x0 <= target.x1 + slack and box.x1 >= target.x0 - slack:
                distance = abs(box.x0 - target.x0) + abs(box.top - target.top)
                if best is None or distance < best[0]:
                    best = (distance, found.value, box)
    if best is None:
        return None
    return Choice(hint["field"], best[1], raw, page.number, best[2], "learned position")


def _anchored(hint: dict[str, Any], page: Page) -> Box | None:
    """Where the value should be, measured from its label as found on this page."""
    anchor = hint.get("anchor")
    if not isinstance(anchor, dict) or not anchor.get("text"):
        return None
    wanted = fold(str(anchor["text"]).lower())
    x0, top, x1, bottom = hint["box"]
    expected_top = top * page.height
    best: tuple[float, Box] | None = None
    for line in page.lines:
        if abs(line.top - expected_top) > 0.08 * page.height:
            continue
        for start in range(len(line.words)):
            words = line.words[start : start + len(wanted.split())]
            text = fold(" ".join(w.text for w in words).lower())
            score = fuzz.ratio(text, wanted)
            if score >= _ANCHOR_MATCH and (best is None or score > best[0]):
                label_x, label_top = words[0].x0, min(w.top for w in words)
                vx = label_x + float(anchor["dx"]) * page.width
                vy = label_top + float(anchor["dy"]) * page.height
                width, height = (x1 - x0) * page.width, (bottom - top) * page.height
                best = (score, Box(vx, vy, vx + width, vy + height))
    return best[1] if best is not None else None


def _same(found: Any, corrected: Any) -> bool:
    if isinstance(found, Decimal):
        try:
            return found == Decimal(str(corrected))
        except ArithmeticError:
            return False
    if isinstance(found, date):
        return found.isoformat() == str(corrected)
    return re.sub(r"\s", "", str(found)).upper() == re.sub(r"\s", "", str(corrected)).upper()


def _words_box(line: Line, found: Found[Any]) -> Box:
    position, chosen = 0, []
    for word in line.words:
        if position < found.end and found.start < position + len(word.text):
            chosen.append(word)
        position += len(word.text) + 1
    words = chosen or line.words
    return Box(
        min(w.x0 for w in words),
        min(w.top for w in words),
        max(w.x1 for w in words),
        max(w.bottom for w in words),
    )


def _label_left_of(line: Line, found: Found[Any]) -> str:
    return line.text[: found.start].strip()[-40:]


def learned(choice: Choice) -> bool:
    return choice.evidence == "learned position"
