"""Text on pages → one scored choice per interpretation-JSON field, without templates.

`extract_fields(pages)` reads like the checklist a bookkeeper runs through: the number, the
dates, the currency, who sent it, what it costs, how to pay. Each step finds candidates by
label and pattern (candidates.py), pools them (choice.py) and keeps the best consistent one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Any

from kontera.domain import identifiers as ids
from kontera.domain.invoice import DocumentType
from kontera.interpret.fields import parse_ids
from kontera.interpret.fields.amounts import choose_totals
from kontera.interpret.fields.amounts import total_candidates
from kontera.interpret.fields.candidates import Candidate
from kontera.interpret.fields.candidates import Finder
from kontera.interpret.fields.candidates import LineText
from kontera.interpret.fields.candidates import labelled_candidates
from kontera.interpret.fields.candidates import page_texts
from kontera.interpret.fields.candidates import unlabelled_candidates
from kontera.interpret.fields.choice import Choice
from kontera.interpret.fields.choice import decide
from kontera.interpret.fields.choice import pool
from kontera.interpret.fields.labels import fold
from kontera.interpret.fields.parse_text import Found
from kontera.interpret.fields.parse_text import find_currencies
from kontera.interpret.fields.parse_text import find_dates
from kontera.interpret.fields.parse_text import find_references
from kontera.interpret.fields.reader_files import shipped_reader
from kontera.interpret.fields.reader_hits import FIELD_KIND
from kontera.interpret.fields.reader_model import read_fields
from kontera.interpret.fields.seller import party_identifier
from kontera.interpret.fields.seller import seller_name
from kontera.interpret.fields.titles import document_kind
from kontera.interpret.textpage import Page

_PAYMENT_IDS = {
    "payment.iban": parse_ids.find_ibans,
    "payment.bic": parse_ids.find_bics,
    "payment.kid": parse_ids.find_kids,
    "payment.bank_account": parse_ids.find_no_bank_accounts,
    "payment.bankgiro": parse_ids.find_bankgiro,
    "payment.plusgiro": parse_ids.find_plusgiro,
}
# Identifiers believable on their own (a valid IBAN is an IBAN wherever it is printed).
_SELF_EVIDENT = {"payment.iban"}
_CHECKS = {"payment.iban": ids.valid_iban, "payment.bic": ids.valid_bic}


def _always(value: object) -> bool:
    return True  # the finder only returns values whose check digit holds


def _valid_org(value: str) -> bool:
    return ids.valid_org_number(value, None)


RULES = "rules"
# Below this score the learned seller name gives way to the rules' (when they have one): on
# layouts unlike the generated families (real producers' PDFs) a name is a phrase among
# hundreds, and a doubtful learned pick is more often a label ("BLZ") than the rules' is.
NAME_TRUST = 0.3


def extract_fields(pages: list[Page], reader: Any = None) -> dict[str, Choice]:
    """One choice per field: the learned reader's for the fields it knows (`reader_model`),
    the rules' for the rest (names, currency, credited invoice, BIC, plusgiro). `reader` None
    means the shipped model, `RULES` the rules alone (also when no model is installed)."""
    learned = shipped_reader() if reader is None else None if reader == RULES else reader
    if learned is None:
        return rule_fields(pages)
    texts = [page_texts(page) for page in pages]
    rules_name = seller_name(pages)
    rest = [
        _currency(pages, texts),
        rules_name,
        _preceding_invoice(pages, texts),
        *(
            _payment_id(path, finder, pages, texts)
            for path, finder in _PAYMENT_IDS.items()
            if path not in FIELD_KIND
        ),
    ]
    read = read_fields(pages, learned)
    name = read.get("seller.name")
    if name is not None and rules_name is not None and name.raw < NAME_TRUST:
        del read["seller.name"]
    return {**{c.path: c for c in rest if c is not None}, **read}


def rule_fields(pages: list[Page]) -> dict[str, Choice]:
    texts = [page_texts(page) for page in pages]
    choices = [
        _invoice_number(pages, texts),
        *_dates(pages, texts),
        _currency(pages, texts),
        party_identifier("seller.vat_id", pages, texts, parse_ids.find_vat_ids, ids.valid_vat_id),
        _org_number(pages, texts),
        seller_name(pages),
        *choose_totals(total_candidates(pages, texts)),
        *(_payment_id(path, finder, pages, texts) for path, finder in _PAYMENT_IDS.items()),
        _preceding_invoice(pages, texts),
    ]
    return {c.path: c for c in choices if c is not None}


def document_type(pages: list[Page]) -> DocumentType:
    """A credit-note title in the upper part of the first page."""
    return document_kind(pages)[0]


def _labelled(
    path: str, pages: list[Page], texts: list[list[LineText]], finder: Finder
) -> list[Candidate]:
    found: list[Candidate] = []
    for page, page_text in zip(pages, texts, strict=True):
        found += labelled_candidates(page, page_text, path, finder)
    return found


def _invoice_number(pages: list[Page], texts: list[list[LineText]]) -> Choice | None:
    found = [
        c
        for c in _labelled("invoice_number", pages, texts, find_references)
        if _number_like(c.value)
    ]
    return decide("invoice_number", pool(_header_prior(pages, found)), floor=0.25)


def _header_prior(pages: list[Page], found: list[Candidate]) -> list[Candidate]:
    """Document number and date sit in the header of the first page far more often than not."""
    if not pages:
        return found
    limit = pages[0].height * 0.55
    return [c if c.page == 1 and c.box.top < limit else _weak(c, c.label * 0.75) for c in found]


def _preceding_invoice(pages: list[Page], texts: list[list[LineText]]) -> Choice | None:
    """The invoice a credit note credits ("Krediterer faktura 1234"), as a one-item list."""
    found = [
        c
        for c in _labelled("references.preceding_invoices", pages, texts, find_references)
        if _number_like(c.value)
    ]
    choice = decide("references.preceding_invoices", pool(found), floor=0.5)
    return None if choice is None else replace(choice, value=[choice.value])


def _number_like(value: str) -> bool:
    # Dates, percentages and bare years are what a loose "Nr" label most often grabs instead.
    if find_dates(value) or re.fullmatch(r"(19|20)\d\d", value):
        return False
    return not re.fullmatch(r"\d{1,2}", value)


def _dates(pages: list[Page], texts: list[list[LineText]]) -> list[Choice]:
    issue = pool(_labelled("issue_date", pages, texts, find_dates))
    if pages:
        # The first date on the first page is the issue date more often than not.
        loose = unlabelled_candidates(pages[0], texts[0], "issue_date", find_dates)[:1]
        labelled = _header_prior(pages, _labelled("issue_date", pages, texts, find_dates))
        issue = pool([*labelled, *(_weak(c, 0.3) for c in loose)])
    issue_choice = decide("issue_date", issue, floor=0.2)
    due = _labelled("due_date", pages, texts, find_dates)
    if issue_choice is not None:
        # A weakly labelled date before the invoice date is not its due date (insurers do bill
        # premiums already due, but they say "Fälligkeit" plainly).
        due = [c for c in due if c.value >= issue_choice.value or c.label >= 0.9]
    due_choice = decide("due_date", pool(due), floor=0.3)
    return [c for c in (issue_choice, due_choice) if c is not None]


def _weak(candidate: Candidate, label: float) -> Candidate:
    return replace(candidate, label=label)


def _currency(pages: list[Page], texts: list[list[LineText]]) -> Choice | None:
    labelled = pool(_labelled("currency", pages, texts, find_currencies))
    if labelled and labelled[0].score >= 0.5:
        return decide("currency", labelled)
    counts: Counter[str] = Counter()
    first_seen: dict[str, Candidate] = {}
    for page, page_text in zip(pages, texts, strict=True):
        for candidate in unlabelled_candidates(page, page_text, "currency", find_currencies):
            counts[candidate.value] += 1
            first_seen.setdefault(candidate.value, candidate)
    if not counts:
        return None
    (code, count), *rest = counts.most_common()
    lead = count - (rest[0][1] if rest else 0)
    raw = min(0.9, 0.4 + 0.1 * lead)
    seen = first_seen[code]
    return Choice("currency", code, raw, seen.page, seen.box, "most frequent")


def _org_number(pages: list[Page], texts: list[list[LineText]]) -> Choice | None:
    def finder(text: str) -> list[Found[str]]:
        return [*parse_ids.find_no_org_numbers(text), *parse_ids.find_se_org_numbers(text)]

    labelled = []
    for page, page_text in zip(pages, texts, strict=True):
        labelled += labelled_candidates(page, page_text, "seller.org_number", finder)
    if not labelled:
        return None
    return party_identifier("seller.org_number", pages, texts, finder, _valid_org)


# Direct-debit wording: the account printed there is the buyer's, to be debited, not ours to pay.
_DEBIT = re.compile(
    r"(?i)ihrem konto|your account|lastschrift|eingezogen|abgebucht|direct debit|autogiro|"
    r"avtalegiro|dras fran|trekkes fra|kaufer-iban|buyer'?s iban|debtor|kunde-iban|kundens konto"
)


def _line_text(texts: list[list[LineText]], candidate: Candidate) -> str:
    return fold(texts[candidate.page - 1][candidate.line_index].text)


def _payment_id(
    path: str, finder: Finder, pages: list[Page], texts: list[list[LineText]]
) -> Choice | None:
    found = _labelled(path, pages, texts, finder)
    if path in _SELF_EVIDENT:
        for page, page_text in zip(pages, texts, strict=True):
            found += [_weak(c, 0.35) for c in unlabelled_candidates(page, page_text, path, finder)]
    found = [c for c in found if not _DEBIT.search(_line_text(texts, c))]
    return decide(path, pool(found, check=_CHECKS.get(path, _always)), floor=0.3)
