"""Who sent the invoice: the seller's VAT id, org.nr and name, told apart from the buyer's.

A page has blocks headed "Verkäufer", "Leverandør", "Kunde", "Bill to" …; an identifier in a
buyer's block is the buyer's. Without headings, the seller shows itself by a company-form
suffix in the letterhead or the footer, by the sender line above the address window, and by
being the party whose VAT id is printed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from kontera.interpret.candidates import Candidate
from kontera.interpret.candidates import LineText
from kontera.interpret.candidates import labelled_candidates
from kontera.interpret.candidates import unlabelled_candidates
from kontera.interpret.choice import Choice
from kontera.interpret.choice import decide
from kontera.interpret.choice import pool
from kontera.interpret.labels import BUYER_HEADINGS
from kontera.interpret.labels import COMPANY_SUFFIX
from kontera.interpret.labels import SELLER_HEADINGS
from kontera.interpret.parse_text import Found
from kontera.interpret.textpage import Page

Finder = Callable[[str], Sequence[Found[Any]]]
_BLOCK_LINES = 9


def block_roles(page: Page, texts: list[LineText]) -> list[str]:
    """For each line: "seller", "buyer" or "" — the party heading that governs it."""
    roles = [""] * len(texts)
    for index, text in enumerate(texts):
        lower = text.text.lower()
        role = _heading_role(lower)
        if not role:
            continue
        heading = text.line.box
        for offset in range(0, _BLOCK_LINES):
            target = index + offset
            if target >= len(texts):
                break
            box = texts[target].line.box
            if offset and _heading_role(texts[target].text.lower()):
                break
            if box.x1 >= heading.x0 - 5 and box.x0 <= heading.x0 + 220:
                roles[target] = roles[target] or role
    return roles


def _heading_role(lower: str) -> str:
    head = lower[:40]
    if BUYER_HEADINGS.search(head) and not SELLER_HEADINGS.search(head[:12]):
        return "buyer"
    if SELLER_HEADINGS.search(head):
        return "seller"
    return ""


def party_identifier(
    path: str, pages: list[Page], texts: list[list[LineText]], finder: Finder
) -> Choice | None:
    found: list[Candidate] = []
    for page, page_texts in zip(pages, texts, strict=True):
        roles = block_roles(page, page_texts)
        labelled = labelled_candidates(page, page_texts, path, finder)
        loose = unlabelled_candidates(page, page_texts, path, finder)
        for candidate in labelled + [replace(c, label=0.3) for c in loose]:
            found.append(_by_role(candidate, roles[candidate.line_index]))
    return decide(path, pool(found, checked=True))


def _by_role(candidate: Candidate, role: str) -> Candidate:
    if role == "buyer":
        return replace(candidate, label=candidate.label * 0.15)
    if role == "seller":
        return replace(candidate, label=min(1.0, candidate.label + 0.3))
    return candidate


def seller_name(pages: list[Page], texts: list[list[LineText]]) -> Choice | None:
    if not pages:
        return None
    page, page_texts = pages[0], texts[0]
    roles = block_roles(page, page_texts)
    found = _after_heading(page, page_texts) + _company_lines(page, page_texts, roles)
    found += _sender_line(page, page_texts)
    return decide("seller.name", pool(found), floor=0.2)


def _after_heading(page: Page, texts: list[LineText]) -> list[Candidate]:
    found = []
    for index, text in enumerate(texts):
        lower = text.text.lower()
        if not SELLER_HEADINGS.search(lower[:30]) or BUYER_HEADINGS.search(lower[:30]):
            continue
        for step in (1, 2, 3):
            if index + step >= len(texts):
                break
            line = texts[index + step].text
            name = re.sub(r"(?i)^(?:name|navn|namn|nom)\s*:?\s*", "", line).strip()
            if _name_like(name):
                weight = 0.95 if step == 1 or name != line else 0.6
                found.append(_named(page, texts, index + step, name, weight))
                break
    return found


def _company_lines(page: Page, texts: list[LineText], roles: list[str]) -> list[Candidate]:
    found = []
    for index, text in enumerate(texts):
        if roles[index] == "buyer" or not COMPANY_SUFFIX.search(text.text):
            continue
        name = _strip_label(text.text)
        if not _name_like(name) or len(name) > 60:
            continue
        top_or_bottom = text.line.top < page.height * 0.25 or text.line.top > page.height * 0.8
        weight = 0.55 if top_or_bottom else 0.35
        found.append(_named(page, texts, index, name, weight))
    return found


def _sender_line(page: Page, texts: list[LineText]) -> list[Candidate]:
    """The small sender line above the address window: "Firma AS · Gate 1 · 0150 Oslo"."""
    found = []
    for index, text in enumerate(texts[:25]):
        parts = re.split(r"\s*[●•·|]\s*|\s+-\s+", text.text)
        if len(parts) >= 3 and re.search(r"\d{4,5}", text.text) and _name_like(parts[0]):
            found.append(_named(page, texts, index, parts[0].strip(), 0.8))
    return found


def _strip_label(text: str) -> str:
    return re.sub(r"(?i)^(?:name|navn|namn|nom|firma|company)\s*:\s*", "", text).strip(" ,;:")


def _name_like(text: str) -> bool:
    letters = sum(c.isalpha() for c in text)
    return len(text) >= 3 and letters >= 0.6 * len(text.replace(" ", "")) and ":" not in text


def _named(page: Page, texts: list[LineText], index: int, name: str, weight: float) -> Candidate:
    line = texts[index].line
    return Candidate(
        field="seller.name",
        value=re.sub(r"\s+", " ", name),
        page=page.number,
        box=line.box,
        label=weight,
        ocr_conf=min(w.conf for w in line.words),
        line_index=index,
    )
