"""The learned field reader: rank every candidate value per field, then choose consistently.

`read_fields(pages)` scores each (value, field) pair of `reader_features` with the shipped
gradient-boosting model (`models/field_reader`, trained on generated layout families by
`benchmarks/train_reader.py`), pools equal values, and picks per field the most probable one —
the totals jointly, so that net + VAT = gross is preferred when the page allows it. Each
choice's confidence is calibrated on layout families the model was not trained on, per
(source, field group); totals that do not add up, or that disagree with the amount printed as
due, fall in their own group and are believed less.

When no compatible model is installed the caller keeps the rule-based reader (`fields.py`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import replace
from decimal import Decimal
from typing import Any

from kontera.domain.money import CENT
from kontera.interpret.fields.amounts import vat_row
from kontera.interpret.fields.calibration import Tables
from kontera.interpret.fields.calibration import calibrate_with
from kontera.interpret.fields.candidates import page_texts
from kontera.interpret.fields.choice import Choice
from kontera.interpret.fields.reader_concepts import CONCEPT_INDEX
from kontera.interpret.fields.reader_document import Document
from kontera.interpret.fields.reader_features import Candidate
from kontera.interpret.fields.reader_features import candidates
from kontera.interpret.fields.reader_hits import FIELD_KIND
from kontera.interpret.fields.reader_hits import Hit
from kontera.interpret.fields.reader_hits import page_hits
from kontera.interpret.fields.titles import document_kind
from kontera.interpret.textpage import Page

NAME_FIELD = "seller.name"
TOTALS = ("totals.net", "totals.vat", "totals.gross")
_TOP = 4
_CONSISTENT_ODDS = math.log(25.0)
_TOLERANCE = Decimal("0.02")
_LABELLED = 0.5  # a label weight that names the field (labels.LABELS)
_GROUPS = {"ref": "reference", "date": "date", "amount": "amount", "name": "name"}
# Every invoice has a number, a date and a seller: the best candidate is shown (and, unsure,
# reviewed) rather than nothing. Other fields are often simply not printed.
_FLOORS = {"invoice_number": 0.0, "issue_date": 0.0, "seller.name": 0.0}


@dataclass(frozen=True)
class Reader:
    """The values' model, the seller-name model (a name is a phrase, not a typed value: its
    own model keeps the thousands of phrase rows from crowding the values' trees), and the
    calibration."""

    model: Any
    calibration: Tables
    floor: float
    features: list[str]
    name_model: Any = None

    def probabilities(self, found: list[Candidate]) -> list[float]:
        import numpy as np

        matrix = np.asarray([c.row for c in found], dtype=np.float64)
        names = np.asarray([c.field == NAME_FIELD for c in found])
        scores = np.zeros(len(found))
        if (~names).any():
            scores[~names] = self.model.predict_proba(matrix[~names])[:, 1]
        if names.any() and self.name_model is not None:
            scores[names] = self.name_model.predict_proba(matrix[names][:, 1:])[:, 1]
        return [float(p) for p in scores]


@dataclass(frozen=True, slots=True)
class Pooled:
    value: Any
    p: float
    hit: Hit


def read_fields(pages: list[Page], reader: Reader) -> dict[str, Choice]:
    """The learned reader's choice per field it knows (only those it found)."""
    document = Document.of(pages, extra=breakdown_sums(pages))
    found = candidates(document)
    if not found:
        return {}
    return choose_fields(pages, document, found, reader.probabilities(found), reader)


def choose_fields(
    pages: list[Page],
    document: Document,
    found: list[Candidate],
    scores: list[float],
    reader: Reader,
) -> dict[str, Choice]:
    pooled = _pool(found, scores)
    chosen: dict[str, Choice] = {}
    for field in FIELD_KIND:
        if field.startswith("totals."):
            continue
        options = pooled.get(field, [])
        if options and options[0].p >= _FLOORS.get(field, reader.floor):
            chosen[field] = _choice(
                field, options, reader, pages, _GROUPS.get(FIELD_KIND[field], "identifier")
            )
    chosen.update(_totals(pooled, reader, pages, document))
    chosen["document_type"] = _kind(pages, reader)
    return chosen


def _kind(pages: list[Page], reader: Reader) -> Choice:
    """Credit note or invoice by the title, with a confidence calibrated like the fields'."""
    kind, raw = document_kind(pages)
    source = pages[0].source.value if pages else "pdf_text"
    confidence = calibrate_with(reader.calibration, raw, "learned_kind", source)
    return Choice("document_type", kind, raw, 1, None, "title", "learned_kind", confidence)


def _pool(found: list[Candidate], scores: list[float]) -> dict[str, list[Pooled]]:
    """Per field, each distinct value with its best-scored occurrence, most probable first."""
    best: dict[str, dict[Any, Pooled]] = {}
    for candidate, p in zip(found, scores, strict=True):
        hit = candidate.hit
        key = abs(hit.value) if hit.kind == "amount" else _normal(hit.value)
        values = best.setdefault(candidate.field, {})
        if key not in values or p > values[key].p:
            values[key] = Pooled(abs(hit.value) if hit.kind == "amount" else hit.value, p, hit)
    return {field: sorted(values.values(), key=lambda x: -x.p) for field, values in best.items()}


def _normal(value: Any) -> Any:
    return value.replace(" ", "").upper() if isinstance(value, str) else value


def _choice(
    field: str, options: list[Pooled], reader: Reader, pages: list[Page], group: str
) -> Choice:
    first = options[0]
    source = _source(pages, first.hit.page)
    # A close runner-up makes the choice a guess, however probable each looks alone (two
    # unlabelled numbers on an unseen layout): the score is the first's less that doubt.
    runner_up = options[1].p if len(options) > 1 else 0.0
    raw = round(first.p * (1.0 - runner_up), 4)
    return Choice(
        field,
        first.value,
        raw,
        first.hit.page,
        first.hit.box,
        "learned reader",
        group_name=f"learned_{group}",
        confidence=calibrate_with(reader.calibration, raw, f"learned_{group}", source),
    )


def _source(pages: list[Page], number: int) -> str:
    return next((p.source.value for p in pages if p.number == number), "pdf_text")


def _totals(
    pooled: dict[str, list[Pooled]], reader: Reader, pages: list[Page], document: Document
) -> dict[str, Choice]:
    options = [[*pooled.get(field, [])[:_TOP], None] for field in TOTALS]
    best: tuple[float, tuple[Pooled | None, ...]] = (-math.inf, (None, None, None))
    for net in options[0]:
        for vat in options[1]:
            for gross in options[2]:
                score = sum(
                    _log_p(pick, pooled.get(field, []))
                    for pick, field in zip((net, vat, gross), TOTALS, strict=True)
                )
                if _adds_up(net, vat, gross):
                    score += _CONSISTENT_ODDS
                if score > best[0]:
                    best = (score, (net, vat, gross))
    net, vat, gross = _printed(best[1], options, reader.floor)
    payable_options = pooled.get("totals.payable", [])
    payable = (
        payable_options[0] if payable_options and payable_options[0].p >= reader.floor else None
    )
    agrees = _adds_up(net, vat, gross) and (
        payable is None or _explained(payable.value, gross, document)
    )
    group = "amount" if agrees else "amount_unbalanced"
    chosen = {
        field: _choice(field, [pick], reader, pages, group)
        for field, pick in zip(TOTALS, (net, vat, gross), strict=True)
        if pick is not None
    }
    chosen.update(_derived(chosen, reader, pages))
    if payable is not None:
        chosen["totals.payable"] = _choice("totals.payable", [payable], reader, pages, group)
        prepaid = _prepayment(payable.value, gross, document)
        if prepaid is not None:
            chosen["totals.prepaid"] = _choice("totals.prepaid", [prepaid], reader, pages, group)
    elif "totals.gross" in chosen:
        gross_choice = chosen["totals.gross"]
        chosen["totals.payable"] = replace(gross_choice, path="totals.payable", evidence="gross")
    return chosen


def _printed(
    picks: tuple[Pooled | None, ...], options: list[list[Pooled | None]], floor: float
) -> tuple[Pooled | None, ...]:
    """A set that adds up only by leaving out a printed total (800 + derived 300 = 1 100 while
    the page says VAT 200) hides a contradiction: the printed value goes back in, so the
    mismatch is shown rather than a VAT nobody printed. Printed means probable enough, or the
    only value labelled as that total on its line however improbable the model finds it (a
    VAT the totals contradict looks like no VAT to a model that learned that totals add up)."""
    if _adds_up(*picks) or sum(pick is None for pick in picks) != 1:
        return picks
    return tuple(
        pick if pick is not None else _printed_value(field, choices, floor)
        for pick, choices, field in zip(picks, options, TOTALS, strict=True)
    )


def _printed_value(field: str, choices: list[Pooled | None], floor: float) -> Pooled | None:
    """The field's most probable value if it is probable enough, else the one value printed
    with the field's label on its line (several such values are the rows of a breakdown by
    rate, none of which is the total)."""
    options = [choice for choice in choices if choice is not None]
    if options and options[0].p >= floor:
        return options[0]
    label = CONCEPT_INDEX[field]
    labelled = [c for c in options if c.hit.context.line[label] >= _LABELLED]
    return labelled[0] if len(labelled) == 1 else None


def _log_p(pick: Pooled | None, options: list[Pooled]) -> float:
    if pick is None:
        top = options[0].p if options else 0.0
        return math.log(max(1.0 - top, 1e-4))
    return math.log(max(pick.p, 1e-4))


def _adds_up(net: Pooled | None, vat: Pooled | None, gross: Pooled | None) -> bool:
    if net is None or vat is None or gross is None or net.value == 0:
        return False
    if vat.value > net.value * Decimal("0.3"):
        return False
    return bool(abs(net.value + vat.value - gross.value) <= _TOLERANCE)


def _explained(payable: Decimal, gross: Pooled | None, document: Document) -> bool:
    """A 'to pay' amount other than the gross must be the gross less a printed prepayment."""
    if gross is None or payable == gross.value:
        return True
    return _prepayment(payable, gross, document) is not None


def _prepayment(payable: Decimal, gross: Pooled | None, document: Document) -> Pooled | None:
    if gross is None or payable == gross.value:
        return None
    for value, hit in document.prepaid.items():
        if abs(gross.value - value - payable) <= _TOLERANCE:
            return Pooled(value, 1.0, hit)
    return None


def _derived(chosen: dict[str, Choice], reader: Reader, pages: list[Page]) -> dict[str, Choice]:
    """The third of net, VAT and gross from the other two, when it is not printed."""
    have = {f: chosen[f].value for f in TOTALS if f in chosen}
    if len(have) != 2:
        return {}
    missing = next(f for f in TOTALS if f not in have)
    if missing == "totals.vat":
        value = have["totals.gross"] - have["totals.net"]
    elif missing == "totals.net":
        value = have["totals.gross"] - have["totals.vat"]
    else:
        value = have["totals.net"] + have["totals.vat"]
    if value < 0:
        return {}
    weakest = min(chosen[f].raw for f in have)
    source = _source(pages, next(iter(chosen.values())).page or 1)
    confidence = calibrate_with(reader.calibration, weakest, "learned_amount_derived", source)
    return {
        missing: Choice(
            missing,
            value.quantize(CENT),
            weakest,
            None,
            None,
            "derived",
            group_name="learned_amount_derived",
            confidence=confidence,
        )
    }


def breakdown_sums(pages: list[Page]) -> list[Hit]:
    """A VAT breakdown of two or more rates (base, rate, tax per row) prints no VAT total
    often: the sum of its taxes, and of its bases, are candidates too."""
    rows: list[tuple[Decimal, Decimal, Decimal, Hit]] = []
    for page in pages:
        hits = page_hits(page)
        for index, text in enumerate(page_texts(page)):
            row = vat_row(text)
            if row is None:
                continue
            last = next(
                (
                    h
                    for h in hits
                    if h.line == index and h.kind == "amount" and abs(h.value) == row[2]
                ),
                None,
            )
            if last is not None and all(r[:3] != row for r in rows):
                rows.append((*row, last))
    if len(rows) < 2:
        return []
    last = rows[-1][3]
    tax = sum((r[2] for r in rows), Decimal(0))
    base = sum((r[0] for r in rows), Decimal(0))
    return [replace(last, value=tax, synthetic=True), replace(last, value=base, synthetic=True)]
