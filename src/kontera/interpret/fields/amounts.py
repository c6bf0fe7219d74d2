"""Totals: the best consistent set of net, VAT, gross and payable amounts.

Each total has labelled candidates; the chosen set maximises label strength plus a bonus when
the arithmetic holds (net + VAT = gross; the VAT rows' rate × base = their tax and add up to
the VAT total). A set that adds up is believed far more than any single label.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import Decimal
from functools import partial

from kontera.domain.money import CENT
from kontera.interpret.fields.candidates import Candidate
from kontera.interpret.fields.candidates import LineText
from kontera.interpret.fields.candidates import labelled_candidates
from kontera.interpret.fields.choice import Choice
from kontera.interpret.fields.choice import Pooled
from kontera.interpret.fields.choice import pool
from kontera.interpret.fields.parse_text import find_amounts
from kontera.interpret.textpage import Page

TOTALS = ("totals.net", "totals.vat", "totals.gross", "totals.payable")
_TOP = 5
_TOLERANCE = Decimal("0.02")
_MAX_VAT_RATE = Decimal("0.30")  # the highest standard rate in Europe is 27 %


def total_candidates(pages: list[Page], texts: list[list[LineText]]) -> dict[str, list[Pooled]]:
    finder = partial(find_amounts, whole=False)
    pooled: dict[str, list[Pooled]] = {}
    for path in TOTALS:
        found: list[Candidate] = []
        for page, page_texts in zip(pages, texts, strict=True):
            found += labelled_candidates(page, page_texts, path, finder, prefer_last=True)
        # Later pages carry the totals on multi-page invoices: a small nudge for the last one.
        last = pages[-1].number if pages else 1
        found = [c if c.page == last else _scaled(c, 0.97) for c in found]
        if path in _FROM_BREAKDOWN:
            found += breakdown_candidates(pages, texts, path)
        pooled[path] = pool(found)[:_TOP]
    return pooled


_FROM_BREAKDOWN = {"totals.vat": 2, "totals.net": 0}


def breakdown_candidates(
    pages: list[Page], texts: list[list[LineText]], path: str
) -> list[Candidate]:
    """VAT rows (base, rate, tax with base × rate = tax): their taxes sum to the VAT total and
    their bases to the net total, printed or not."""
    rows: dict[tuple[Decimal, Decimal, Decimal], Candidate] = {}
    for page, page_texts in zip(pages, texts, strict=True):
        for index, text in enumerate(page_texts):
            row = vat_row(text)
            if row is not None and row not in rows:
                words = text.line.words
                rows[row] = Candidate(
                    path, row, page.number, text.line.box, 0.0, min(w.conf for w in words), index
                )
    if not rows:
        return []
    part = _FROM_BREAKDOWN[path]
    total = sum((key[part] for key in rows), Decimal(0))
    last = list(rows.values())[-1]
    weight = 0.75 if path == "totals.vat" else 0.5
    return [replace(last, value=total, label=weight, label_text="VAT breakdown")]


def vat_row(text: LineText) -> tuple[Decimal, Decimal, Decimal] | None:
    numbers = [f.value for f in find_amounts(text.text, whole=True)]
    for i, base in enumerate(numbers):
        for tax in numbers[i + 1 :]:
            if tax == 0 or abs(tax) >= abs(base):
                continue
            for rate in numbers:
                if (
                    0 < rate <= 30
                    and rate not in (base, tax)
                    and abs(base * rate / 100 - tax) <= Decimal("0.011")
                ):
                    return (base, rate, tax)
    return None


def _scaled(candidate: Candidate, factor: float) -> Candidate:
    return replace(candidate, label=candidate.label * factor)


def choose_totals(pooled: dict[str, list[Pooled]]) -> list[Choice]:
    """Pick (net, VAT, gross) jointly, then payable; derive a missing one from the other two."""
    best: tuple[float, tuple[Pooled | None, ...], bool] = (-1.0, (None, None, None), False)
    vat_options = [*pooled["totals.vat"], *_vat_row_sums(pooled["totals.vat"])]
    # "Att betala" / "Å betale" is often the only total printed: it stands for gross too.
    payable_as_gross = [replace(p, score=p.score * 0.8) for p in pooled["totals.payable"]]
    gross_options = [*pooled["totals.gross"], *payable_as_gross]
    options = [[*pooled["totals.net"], None], [*vat_options, None], [*gross_options, None]]
    for net, vat, gross in itertools.product(*options):
        if _shares_a_place(net, vat, gross):
            continue
        consistent = _adds_up(net, vat, gross)
        score = sum(p.score for p in (net, vat, gross) if p is not None)
        score += 1.5 if consistent else 0.0
        if not consistent and None not in (net, vat, gross):
            score -= 0.6  # three totals that disagree: better derive the weakest from the others
        if score > best[0]:
            best = (score, (net, vat, gross), consistent)
    _, (net, vat, gross), consistent = best
    # A set that adds up is only as believable as its most weakly labelled member: OCR that
    # lost the totals lines can still add up VAT-table rows.
    weakest = min((p.score for p in (net, vat, gross) if p is not None), default=0.0)
    choices = [
        _choice(path, p, consistent, weakest)
        for path, p in zip(TOTALS[:3], (net, vat, gross), strict=True)
        if p is not None
    ]
    choices += _derived(net, vat, gross)
    payable = _payable(pooled["totals.payable"], gross)
    derived_gross = next((c for c in choices if c.path == "totals.gross" and c.box is None), None)
    if payable is None and derived_gross is not None:
        # Nothing printed to pay and a gross worked out from net + VAT: that is what is due.
        payable = Choice("totals.payable", derived_gross.value, 0.45, None, None, "derived")
    return choices + ([payable] if payable else [])


def _vat_row_sums(candidates: list[Pooled]) -> list[Pooled]:
    """Invoices that print one VAT line per rate ("Moms 25 %", "Moms 12 %") and no VAT total:
    the sum of two or three such lines is a VAT total candidate, believed only if it adds up."""
    rows = [p for p in candidates if p.score >= 0.4 and p.value != 0]
    sums = []
    for size in (2, 3):
        for group in itertools.combinations(rows, size):
            if len({(p.best.page, p.best.box) for p in group}) < size:
                continue
            last = max(group, key=lambda p: (p.best.page, p.best.box.top))
            total = sum((p.value for p in group), Decimal(0))
            sums.append(Pooled(total, min(p.score for p in group), last.best, size))
    return sums


def _shares_a_place(*picks: Pooled | None) -> bool:
    """One printed number cannot be two different totals."""
    places = [(p.best.page, p.best.box) for p in picks if p is not None]
    return len(places) != len(set(places))


def _adds_up(net: Pooled | None, vat: Pooled | None, gross: Pooled | None) -> bool:
    if net is None or vat is None or gross is None:
        return False
    if gross.value == 0 and net.value == 0:
        return False
    if abs(vat.value) > _MAX_VAT_RATE * abs(net.value):
        return False  # no VAT rate is that high: two line amounts that happen to add up
    return bool(abs(abs(net.value) + abs(vat.value) - abs(gross.value)) <= _TOLERANCE)


def _choice(path: str, pooled: Pooled, consistent: bool, weakest: float) -> Choice:
    strength = min(pooled.score, 1.2) / 1.2
    support = min(weakest, 1.2) / 1.2
    raw = 0.4 + 0.3 * strength + 0.3 * support if consistent else 0.6 * strength
    return Choice(
        path,
        pooled.value,
        round(min(raw, 1.0), 4),
        pooled.best.page,
        pooled.best.box,
        pooled.best.label_text,
    )


def _derived(net: Pooled | None, vat: Pooled | None, gross: Pooled | None) -> list[Choice]:
    """When two of three are read and the third is not printed, it follows from them."""
    if net is not None and gross is not None and vat is None and abs(gross.value) >= abs(net.value):
        return [
            Choice(
                "totals.vat", (gross.value - net.value).quantize(CENT), 0.55, None, None, "derived"
            )
        ]
    if vat is not None and gross is not None and net is None:
        return [
            Choice(
                "totals.net", (gross.value - vat.value).quantize(CENT), 0.45, None, None, "derived"
            )
        ]
    if net is not None and vat is not None and gross is None:
        return [
            Choice(
                "totals.gross", (net.value + vat.value).quantize(CENT), 0.45, None, None, "derived"
            )
        ]
    return []


def _payable(candidates: list[Pooled], gross: Pooled | None) -> Choice | None:
    if candidates:
        first = candidates[0]
        agrees = gross is not None and abs(first.value) == abs(gross.value)
        raw = 0.55 + 0.4 * min(first.score, 1.0) if agrees else 0.75 * min(first.score, 1.0)
        return Choice(
            "totals.payable",
            first.value,
            round(min(raw, 1.0), 4),
            first.best.page,
            first.best.box,
            first.best.label_text,
        )
    if gross is not None:
        # Nothing labelled "to pay": with no prepayment printed, the gross total is payable.
        return Choice("totals.payable", gross.value, 0.5, gross.best.page, gross.best.box, "gross")
    return None
