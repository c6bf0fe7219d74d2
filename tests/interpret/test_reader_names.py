"""Candidates the learned reader adds: the seller's name among a page's phrases, and the
reference OCR probably misread."""

from __future__ import annotations

from kontera.domain.fields import Source
from kontera.interpret.fields.reader_hits import page_hits
from kontera.interpret.fields.reader_names import mended_company_form
from kontera.interpret.fields.reader_names import name_hits
from kontera.interpret.textpage import Word
from kontera.interpret.textpage import build_page


def _page(rows: list[list[tuple[str, float]]], source: Source = Source.PDF_TEXT) -> object:
    words = []
    for row, items in enumerate(rows):
        top = 60 + 20 * row
        for text, x in items:
            for offset, part in enumerate(text.split()):
                x0 = x + sum(5.5 * (len(p) + 1) for p in text.split()[:offset])
                words.append(Word(part, x0, top, x0 + 5.5 * len(part), top + 10))
    return build_page(1, 595, 842, source, words)


def _names(rows: list[list[tuple[str, float]]]) -> set[str]:
    return {hit.value for hit in name_hits(_page(rows))}  # type: ignore[arg-type]


def test_the_sender_line_offers_the_name_before_its_first_separator() -> None:
    names = _names([[("Fjord Data AS · Kaigata 7 · 5015 Bergen", 40)]])
    assert "Fjord Data AS" in names


def test_a_logo_set_on_the_name_line_is_left_out_of_one_reading() -> None:
    assert "Mälar Bygg AB" in _names([[("Mä Mälar Bygg AB", 40)]])
    assert "QVK Montage AB" in _names([[("QV QVK Montage AB", 40)]])


def test_a_company_form_read_apart_from_its_name_is_joined_to_it_and_not_a_name_alone() -> None:
    names = _names([[("SupplierOfficialName", 40), ("Ltd", 200), ("Kunde Regnskap AS", 380)]])
    assert "SupplierOfficialName Ltd" in names
    assert "Ltd" not in names


def test_a_title_beside_the_name_is_cut_off_but_a_title_alone_is_no_name() -> None:
    assert "De Koksmaat" in _names([[("De Koksmaat FACTUUR", 40)]])
    assert "TAX" not in _names([[("TAX INVOICE", 40)]])


def test_numbers_addresses_and_labels_with_values_are_not_names() -> None:
    names = _names([[("Org.nr: 923 609 016", 40)], [("Tlf 22 33 44 55", 40)], [("0150 Oslo", 40)]])
    assert not names


def test_a_scan_offers_its_references_with_look_alike_letters_read_as_digits() -> None:
    scan = _page([[("Fakturanr", 40), ("INV-4637I", 120)]], Source.OCR)
    text = _page([[("Fakturanr", 40), ("INV-4637I", 120)]])
    read = {hit.value for hit in page_hits(scan) if hit.kind == "ref"}  # type: ignore[arg-type]
    assert {"INV-4637I", "INV-46371"} <= read
    assert all(h.reread == (h.value == "INV-46371") for h in page_hits(scan) if h.kind == "ref")  # type: ignore[arg-type]
    assert "INV-46371" not in {h.value for h in page_hits(text)}  # type: ignore[arg-type]


def test_words_are_not_re_read_as_numbers() -> None:
    scan = _page([[("Subtotal", 40), ("Fakturadato", 200)]], Source.OCR)
    assert not [h for h in page_hits(scan) if h.reread]  # type: ignore[arg-type]


def test_a_misread_company_form_is_mended_on_its_own() -> None:
    assert mended_company_form("Kingsway Supplies pic") == "Kingsway Supplies plc"
    assert mended_company_form("Salescompany Itd. KREDITFAKTURA") == (
        "Salescompany ltd. KREDITFAKTURA"
    )
    assert mended_company_form("Pennine Cleaning  pic") == "Pennine Cleaning  plc"
    # Only a whole word after a word: "pic" alone, or inside a word, is left as it is.
    for text in ("pic", "Itd", "a picture of it", "Pics Ltd", "12 pic", "Capitol Itda"):
        assert mended_company_form(text) == text


def test_a_misread_company_form_is_mended_on_scans_only() -> None:
    rows = [[("Kingsway Supplies pic", 40)]]
    scanned = {hit.value for hit in name_hits(_page(rows, Source.OCR))}  # type: ignore[arg-type]
    assert "Kingsway Supplies plc" in scanned and "Kingsway Supplies pic" not in scanned
    assert "Kingsway Supplies pic" in _names(rows)  # a text layer says what it says
