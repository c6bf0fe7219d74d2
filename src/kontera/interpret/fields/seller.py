"""Who sent the invoice: the seller's VAT id, org.nr and name, told apart from the buyer's.

A page has blocks headed "Verkäufer", "Leverandør", "Kunde", "Bill to" …, often side by side;
so blocks are found per phrase (a run of words between wide gaps), not per line. An
identifier in a buyer's block is the buyer's. Without headings, the seller shows itself by a
company-form suffix in the letterhead or the footer, and by the sender line above the address
window.
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
from kontera.interpret.fields.candidates import Candidate
from kontera.interpret.fields.candidates import LineText
from kontera.interpret.fields.candidates import labelled_candidates
from kontera.interpret.fields.candidates import unlabelled_candidates
from kontera.interpret.fields.choice import Choice
from kontera.interpret.fields.choice import decide
from kontera.interpret.fields.choice import pool
from kontera.interpret.fields.labels import BUYER_HEADINGS
from kontera.interpret.fields.labels import COMPANY_SUFFIX
from kontera.interpret.fields.labels import SELLER_HEADINGS
from kontera.interpret.fields.labels import fold
from kontera.interpret.fields.parse_text import Found
from kontera.interpret.textpage import Page
from kontera.interpret.textpage import phrases
from kontera.interpret.textpage import union_box

Finder = Callable[[str], Sequence[Found[Any]]]
_BLOCK_LINES = 9
_COLUMN_WIDTH = 200


@dataclass(frozen=True, slots=True)
class Cell:
    line_index: int
    text: str
    box: Box
    conf: float
    role: str = ""


def cells(page: Page) -> list[Cell]:
    """Phrases of every line, each marked with the party heading that governs it."""
    if "cells" not in page.derived:
        page.derived["cells"] = _cells(page)
    result: list[Cell] = page.derived["cells"]
    return result


def _cells(page: Page) -> list[Cell]:
    found = [
        Cell(i, " ".join(w.text for w in words), union_box(words), min(w.conf for w in words))
        for i, line in enumerate(page.lines)
        for words in phrases(line)
    ]
    return _with_roles(found)


def _with_roles(found: list[Cell]) -> list[Cell]:
    roles = [""] * len(found)
    for index, cell in enumerate(found):
        role = heading_role(cell.text)
        if not role:
            continue
        roles[index] = role
        limit = _column_limit(found, cell)
        bottom = cell.box.bottom
        height = cell.box.bottom - cell.box.top
        for other in range(index + 1, len(found)):
            below = found[other]
            if (
                below.line_index > cell.line_index + _BLOCK_LINES
                or below.box.top - bottom > 2.5 * height + 4
            ):
                break
            in_column = cell.box.x0 - 8 <= below.box.x0 < limit
            if below.line_index == cell.line_index or not in_column:
                continue
            if heading_role(below.text):
                break
            roles[other] = roles[other] or role
            bottom = max(bottom, below.box.bottom)
    return [replace(c, role=r) for c, r in zip(found, roles, strict=True)]


def _column_limit(found: list[Cell], heading: Cell) -> float:
    """A block reaches right until the next heading on the heading's line (side-by-side
    "Lieferant  Käufer"), or a column width."""
    limit = heading.box.x0 + _COLUMN_WIDTH
    for other in found:
        same_line = other.line_index == heading.line_index and other.box.x0 > heading.box.x0
        if same_line and heading_role(other.text):
            limit = min(limit, other.box.x0 - 8)
    return limit


def heading_role(text: str) -> str:
    head = fold(text.lower())[:40]
    if re.match(r"^[^:]{0,40}:\s*\d", head):
        return ""  # "Customer: 2" is a labelled value, not a heading
    if BUYER_HEADINGS.search(head):
        return "buyer"
    if SELLER_HEADINGS.search(head):
        return "seller"
    return ""


def role_at(page_cells: list[Cell], line_index: int, box: Box) -> str:
    for cell in page_cells:
        if cell.line_index == line_index and cell.box.x0 <= box.x1 and box.x0 <= cell.box.x1:
            return cell.role
    return ""


def party_identifier(
    path: str,
    pages: list[Page],
    texts: list[list[LineText]],
    finder: Finder,
    check: Callable[[Any], bool],
) -> Choice | None:
    found: list[Candidate] = []
    for page, page_texts in zip(pages, texts, strict=True):
        page_cells = cells(page)
        labelled = labelled_candidates(page, page_texts, path, finder)
        loose = unlabelled_candidates(page, page_texts, path, finder)
        for candidate in labelled + [replace(c, label=0.3) for c in loose]:
            found.append(
                _by_role(candidate, role_at(page_cells, candidate.line_index, candidate.box))
            )
    return decide(path, pool(found, check=check))


def _by_role(candidate: Candidate, role: str) -> Candidate:
    if role == "buyer":
        return replace(candidate, label=candidate.label * 0.15)
    if role == "seller":
        return replace(candidate, label=min(1.0, candidate.label + 0.3))
    return candidate


def seller_name(pages: list[Page]) -> Choice | None:
    return decide("seller.name", pool(name_candidates(pages)), floor=0.2)


def name_candidates(pages: list[Page]) -> list[Candidate]:
    """The rules' seller-name candidates of the first page, each with its hand-set weight
    (the learned reader takes the weight as one feature among many)."""
    if not pages:
        return []
    page = pages[0]
    if "name_candidates" not in page.derived:
        page_cells = cells(page)
        page.derived["name_candidates"] = (
            _after_heading(page, page_cells) + _company_cells(page, page_cells) + _sender_line(page)
        )
    found: list[Candidate] = page.derived["name_candidates"]
    return found


def _after_heading(page: Page, page_cells: list[Cell]) -> list[Candidate]:
    """The first name-like phrase in a seller block ("Verkäufer:", "Leverandør")."""
    found = []
    for index, cell in enumerate(page_cells):
        if heading_role(cell.text) != "seller":
            continue
        block = [
            c for c in page_cells[index + 1 :] if c.role == "seller" and not heading_role(c.text)
        ]
        for position, below in enumerate(block):
            name = _block_name(page, below)
            if name is None:
                continue
            following = block[position + 1] if position + 1 < len(block) else None
            if following is not None and not COMPANY_SUFFIX.search(name):
                # "MVM Musterhafter / Versicherungsverein a.G.": a name over two lines.
                rest = _block_name(page, following)
                if rest is not None and COMPANY_SUFFIX.search(rest):
                    name = f"{name} {rest}"
            found.append(_named(page, below, name, 0.95))
            break
    return found


def _block_name(page: Page, cell: Cell) -> str | None:
    line = page.lines[cell.line_index].text
    labelled = re.match(r"(?i)^(?:name|navn|namn|nom|firma)\s*:\s*(.+)", line)
    if labelled:
        name = labelled.group(1).strip()
    elif ":" in cell.text or (
        line.startswith(cell.text) and ":" in line[len(cell.text) : len(cell.text) + 3]
    ):
        return None  # a "label: value" (Nummer: 12345), not a name
    else:
        name = cell.text.strip()
    return name if _name_like(name) else None


def _company_cells(page: Page, page_cells: list[Cell]) -> list[Candidate]:
    found = []
    typical = statistics.median(c.box.bottom - c.box.top for c in page_cells) if page_cells else 0.0
    for cell in page_cells:
        if cell.role == "buyer" or not COMPANY_SUFFIX.search(cell.text):
            continue
        name = _strip_label(cell.text)
        if not _name_like(name) or len(name) > 60:
            continue
        above = _cell_above(page_cells, cell)
        if above is not None and not COMPANY_SUFFIX.search(above.text):
            name = f"{above.text} {name}"  # "MVM Musterhafter / Versicherungsverein … a.G."
        top_or_bottom = cell.box.top < page.height * 0.25 or cell.box.top > page.height * 0.8
        weight = 0.55 if top_or_bottom else 0.35
        if cell.box.top < page.height * 0.25 and cell.box.bottom - cell.box.top >= 1.4 * typical:
            weight = 0.9  # the letterhead: a company name in large type at the top
        found.append(_named(page, cell, name, weight))
    return found


def _cell_above(page_cells: list[Cell], cell: Cell) -> Cell | None:
    """The first line of a name set over two lines, directly above and left-aligned with it."""
    height = cell.box.bottom - cell.box.top
    for other in page_cells:
        if other.line_index != cell.line_index - 1 or abs(other.box.x0 - cell.box.x0) > 4:
            continue
        close = cell.box.top - other.box.bottom < 0.8 * height
        plain = _name_like(other.text) and not re.search(r"\d", other.text)
        if close and plain and not heading_role(other.text) and other.role != "buyer":
            return other
    return None


def _sender_line(page: Page) -> list[Candidate]:
    """The small sender line above the address window: "Firma AS · Gate 1 · 0150 Oslo"."""
    found = []
    for index, line in enumerate(page.lines[:25]):
        parts = re.split(r"\s*[●•·|]\s*|\s+-\s+", line.text)
        first = parts[0]
        if (
            len(parts) >= 3
            and re.search(r"\d{4,5}", line.text)
            and _name_like(first)
            and not re.search(r"\d", first)
        ):
            cell = Cell(index, parts[0], line.box, min(w.conf for w in line.words))
            found.append(_named(page, cell, parts[0].strip(), 0.8))
    return found


def _strip_label(text: str) -> str:
    return re.sub(r"(?i)^(?:name|navn|namn|nom|firma|company)\s*:\s*", "", text).strip(" ,;:")


def _name_like(text: str) -> bool:
    letters = sum(c.isalpha() for c in text)
    if re.search(r"\d{4}", text) or ":" in text or text.startswith("("):
        return False  # postcodes, phone numbers, "label: value", "(GTIN)"
    return len(text) >= 3 and letters >= 0.6 * len(text.replace(" ", ""))


def _named(page: Page, cell: Cell, name: str, weight: float) -> Candidate:
    return Candidate(
        field="seller.name",
        value=re.sub(r"\s+", " ", name).strip(),
        page=page.number,
        box=cell.box,
        label=weight,
        ocr_conf=cell.conf,
        line_index=cell.line_index,
    )
