"""The layout-family generator that the learned reader is trained and measured on: enough
families, reproducible from its seed, and truthful about what each invoice prints."""

from __future__ import annotations

import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures"))

from families.catalogue import FAMILIES
from families.generate import render
from families.generate import samples

from kontera.interpret.base import InterpretContext
from kontera.interpret.fields.line_items import read_line_items
from kontera.interpret.fields.reader_document import Document
from kontera.interpret.fields.reader_hits import FIELD_KIND
from kontera.interpret.fields.reader_training import matches
from kontera.interpret.pages.pdf import read_pdf_pages

ONE_PER_FAMILY = list(samples(1, seed=5))


def test_fifteen_or_more_families_in_the_seven_languages() -> None:
    assert len(FAMILIES) >= 15
    assert len({f.name for f in FAMILIES}) == len(FAMILIES)
    languages = {lang for family in FAMILIES for lang in family.langs}
    assert languages == {"no", "se", "da", "en", "de", "fr", "nl"}


def test_a_seed_makes_the_same_invoice_on_every_run() -> None:
    family = FAMILIES[0]
    first, again = render(family, "5-x-0"), render(family, "5-x-0")
    assert first.pdf == again.pdf and first.truth == again.truth
    assert render(family, "5-x-1").pdf != first.pdf


@pytest.mark.parametrize("sample", ONE_PER_FAMILY, ids=lambda s: s.family)
def test_every_printed_field_is_found_among_the_candidates(sample: object) -> None:
    """Whatever the generator says it printed, the reader's candidate finders see on the page
    (the ranking can then only fail by choosing, never by not seeing)."""
    pages = read_pdf_pages(sample.pdf, InterpretContext())  # type: ignore[attr-defined]
    hits = Document.of(pages).hits  # typed values, and the first page's name-like phrases
    truth = sample.truth  # type: ignore[attr-defined]
    for field, kind in FIELD_KIND.items():
        if truth.get(field) is None or field == "totals.vat":  # a VAT total may be a sum
            continue
        if field == "seller.org_number" and truth[field] in str(truth.get("seller.vat_id")):
            continue  # "NO923609016MVA": the org.nr is derived from the VAT id
        assert any(h.kind == kind and matches(field, h.value, truth[field]) for h in hits), field


def test_the_families_print_distractors_and_vary_their_labels() -> None:
    """Several invoices of one family use different words for the same field."""
    batch = list(samples(8, seed=5, families=["nordic_block"]))
    texts = [
        " ".join(w.text for p in read_pdf_pages(s.pdf, InterpretContext()) for w in p.words)
        for s in batch
    ]
    labels = Counter(
        label
        for text in texts
        for label in ("Fakturanr", "Fakturanummer", "Faktura nr")
        if label in text
    )
    assert len(labels) >= 2


def test_a_line_table_over_two_pages_is_read_whole_and_sums_to_the_net() -> None:
    """GIVEN an invoice whose items run over pages with carried-forward sums
    WHEN its line items are read THEN every item is read once, none of the carried sums is
    taken for an item, and they add up to the net total."""
    sample = next(s for s in samples(3, seed=5, families=["multipage"]) if len(s.lines) > 40)
    pages = read_pdf_pages(sample.pdf, InterpretContext())
    assert len(pages) >= 2
    rows = read_line_items(pages)
    assert [abs(r.net) for r in rows] == [abs(Decimal(line["net"])) for line in sample.lines]
    assert {r.page for r in rows} == {line["page"] for line in sample.lines}
    assert sum(abs(r.net) for r in rows) == abs(Decimal(sample.truth["totals.net"]))
