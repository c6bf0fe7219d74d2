"""CII reading (ZUGFeRD 1.x/2.x, Factur-X, XRechnung) and its agreement with UBL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kontera.domain.codec import invoice_to_json
from kontera.domain.invoice import DocumentType
from kontera.interpret.registry import interpret_bytes

PAIRS = "pdf/zugferd/XML-Rechnung"
# The one pair whose two files state different amounts on purpose ("not validating").
BROKEN_PAIR = "not_validating_full_invoice_based_onTest_EeISI_300_CENfullmodel"


def _pair_names(corpus: Path) -> list[str]:
    return sorted(p.name.removesuffix(".cii.xml") for p in (corpus / PAIRS / "CII").glob("*.xml"))


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    """The interpretation JSON without `profile` (BT-24, the specification identifier).

    The UBL files of these pairs declare the Peppol BIS customisation while the CII files
    declare plain EN 16931: the documents really differ there, so it is not compared, and
    neither are the notes of the Peppol-only rules that the declaration brings into force.
    Everything else, including the provenance map, must be identical.
    """
    data = dict(data)
    data.pop("profile")
    data["fields"] = {k: v for k, v in data["fields"].items() if k != "profile"}
    data["notes"] = [n for n in data["notes"] if not (n["rule_id"] or "").startswith("PEPPOL-")]
    return data


def test_all_pairs_are_present(corpus: Path) -> None:
    names = _pair_names(corpus)
    assert len(names) == 27
    assert all((corpus / PAIRS / "UBL" / f"{n}.ubl.xml").is_file() for n in names)


def test_ubl_and_cii_give_identical_interpretations(corpus: Path) -> None:
    """GIVEN the same invoice in UBL and in CII WHEN both are interpreted
    THEN the interpretation JSON is identical (apart from the declared profile)."""
    compared = 0
    for name in _pair_names(corpus):
        if name == BROKEN_PAIR:
            continue
        ubl = interpret_bytes((corpus / PAIRS / "UBL" / f"{name}.ubl.xml").read_bytes())
        cii = interpret_bytes((corpus / PAIRS / "CII" / f"{name}.cii.xml").read_bytes())
        assert (ubl.interpreter, cii.interpreter) == ("ubl", "cii")
        left, right = invoice_to_json(ubl.invoice), invoice_to_json(cii.invoice)
        assert _comparable(left) == _comparable(right), name
        compared += 1
    assert compared == 26


def test_the_broken_pair_really_differs(corpus: Path) -> None:
    ubl = interpret_bytes((corpus / PAIRS / "UBL" / f"{BROKEN_PAIR}.ubl.xml").read_bytes())
    cii = interpret_bytes((corpus / PAIRS / "CII" / f"{BROKEN_PAIR}.cii.xml").read_bytes())
    assert ubl.invoice.lines[0].net != cii.invoice.lines[0].net
    assert "BR-CO-10" in {n.rule_id for n in ubl.invoice.notes}


def test_xrechnung_cii_header(corpus: Path) -> None:
    result = interpret_bytes((corpus / PAIRS / "CII/XRECHNUNG_Einfach.cii.xml").read_bytes())
    invoice = result.invoice
    assert result.interpreter == "cii"
    assert invoice.invoice_number == "471102"
    assert invoice.issue_date == date(2024, 11, 15)
    assert invoice.seller.vat_id == "DE123456789"
    assert invoice.seller.tax_registration == "201/113/40209"
    assert invoice.currency == "EUR"
    assert invoice.totals.payable == Decimal("529.87")
    assert invoice.totals.line_total == sum(line.net or 0 for line in invoice.lines)


def test_cii_credit_note_type_code_flips_the_sign(corpus: Path) -> None:
    """The same document with TypeCode 381 instead of 380 is booked with negative amounts."""
    data = (corpus / PAIRS / "CII/EN16931_Einfach.cii.xml").read_bytes()
    invoice = interpret_bytes(data).invoice
    credit = interpret_bytes(data.replace(b"<ram:TypeCode>380<", b"<ram:TypeCode>381<", 1)).invoice
    assert credit.document_type is DocumentType.CREDIT_NOTE
    assert credit.totals.payable == -invoice.totals.payable  # type: ignore[operator]
    assert [line.net for line in credit.lines] == [-(line.net or 0) for line in invoice.lines]
    assert [line.unit_price for line in credit.lines] == [line.unit_price for line in invoice.lines]


@pytest.mark.parametrize("name", ["CII_example1.xml", "CII_business_example_01.xml"])
def test_en16931_cii_examples(corpus: Path, name: str) -> None:
    invoice = interpret_bytes((corpus / "en16931/cii/examples" / name).read_bytes()).invoice
    assert invoice.invoice_number
    assert invoice.totals.payable is not None
    assert sum(v.tax for v in invoice.vat_breakdown) == invoice.totals.vat


def test_zugferd_draft_xml_on_its_own_goes_to_the_cii_reader(corpus: Path) -> None:
    """The 2014 ZUGFeRD draft's root is <rsm:Invoice>: the namespace, not the name, decides."""
    from kontera.interpret.einvoice.embedded import embedded_files
    from kontera.interpret.einvoice.embedded import split_payload

    pdf = corpus / "pdf/zugferd/ZUGFeRDv1/correct/Mustangproject"
    payload = split_payload(
        embedded_files((pdf / "MustangGnuaccountingBeispielRE-20140519_499.pdf").read_bytes())
    )
    assert payload.xml is not None
    result = interpret_bytes(payload.xml.content)
    assert (result.interpreter, result.invoice.invoice_number) == ("cii", "RE-20140519/499")
