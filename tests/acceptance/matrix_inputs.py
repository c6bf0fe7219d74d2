"""The documents of the ledger matrix, made by the project's fixture generators.

Per country: EHF invoices and a credit note (`fixtures/ehf_invoice.py`), a born-digital PDF
and its degraded 200 dpi scan (`fixtures/generate.py`, `fixtures/pdf_invoice_data.py`), an
invoice in EUR, a service bought from abroad (reverse charge), and one with the country's
every VAT rate. `history_csv` is the posting history a company "with history" has: its
suppliers with the accounts and VAT codes it books them on. Every identifier carries valid
check digits and belongs to no real company.
"""

from __future__ import annotations

import io
import random
import sys
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
sys.path.insert(0, str(FIXTURES))

from ehf_invoice import Line  # noqa: E402
from ehf_invoice import Party  # noqa: E402
from ehf_invoice import Payment  # noqa: E402
from ehf_invoice import Spec  # noqa: E402
from ehf_invoice import ubl  # noqa: E402
from generate import degrade  # noqa: E402
from generate import rasterise  # noqa: E402
from generate import render_pdf  # noqa: E402
from pdf_invoice_data import InvoiceData  # noqa: E402
from pdf_invoice_data import make_invoice  # noqa: E402
from pdf_layouts import FONTS  # noqa: E402

ISSUED = date(2026, 11, 2)  # a business day with central-bank rates in tests/fakes
KINDS = (
    "ehf_invoice",
    "ehf_credit_note",
    "text_pdf",
    "scan",
    "invoice_in_eur",
    "reverse_charge_from_abroad",
    "mixed_rates",
    "with_history",
    "without_history",
)
D = Decimal


@dataclass(frozen=True)
class Country:
    code: str
    buyer: Party
    supplier: Party  # a domestic supplier the company knows
    other: Party  # a second domestic supplier (the history cell)
    abroad: Party  # a service provider abroad
    payment: Payment
    other_payment: Payment
    rates: tuple[tuple[str, Decimal], ...]  # every domestic rate: (category, rate)
    account: str  # where the company books the known suppliers
    expected: dict[tuple[str, Decimal], str]  # (category, rate) on a domestic line -> code
    reverse_code: str
    layout: str  # the PDF layout (one that prints org.nr, due date and payment details)


NO = Country(
    "NO",
    buyer=Party("Fjordmatrise AS", "923609016", "NO", "NO923609016MVA"),
    supplier=Party("Fjellnett Telekom AS", "912345688", "NO", "NO912345688MVA"),
    other=Party("Kontorhuset Bergen AS", "934567897", "NO", "NO934567897MVA"),
    abroad=Party(
        "Cloudwerk GmbH", "DE811907980", "DE", "DE811907980", "Hauptstr. 5", "Berlin", "10115"
    ),
    payment=Payment(kid="1234567890128", account="86011117947"),
    other_payment=Payment(kid="0003434323213239", account="15030212344"),
    rates=(("S", D(25)), ("S", D(15)), ("S", D(12)), ("Z", D(0))),
    account="6900",
    expected={("S", D(25)): "1", ("S", D(15)): "11", ("S", D(12)): "13", ("Z", D(0)): "0"},
    reverse_code="86",
    layout="left_labels",
)
SE = Country(
    "SE",
    buyer=Party(
        "Svensk Matris AB",
        "5560360793",
        "SE",
        "SE556036079301",
        "Storgatan 2",
        "Stockholm",
        "11122",
    ),
    supplier=Party(
        "Göta Kontorsvaror AB",
        "5567070494",
        "SE",
        "SE556707049401",
        "Hamngatan 3",
        "Göteborg",
        "41114",
    ),
    other=Party(
        "Norrlands Städ AB", "5566778899", "SE", "SE556677889901", "Sjögatan 1", "Umeå", "90325"
    ),
    abroad=Party(
        "Cloudwerk GmbH", "DE811907980", "DE", "DE811907980", "Hauptstr. 5", "Berlin", "10115"
    ),
    payment=Payment(kid="1234567897", account="50501055", giro="SE:BANKGIRO"),
    other_payment=Payment(kid="8220279", account="9020033", giro="SE:PLUSGIRO"),
    rates=(("S", D(25)), ("S", D(12)), ("S", D(6))),
    account="6110",
    expected={("S", D(25)): "SE25", ("S", D(12)): "SE12", ("S", D(6)): "SE6"},
    reverse_code="SERC25",
    layout="swedish",
)


@dataclass
class Cell:
    """One document of the matrix and what must come out of it."""

    kind: str
    data: bytes
    filename: str
    number: str
    codes: list[str]  # the VAT code of each line, as the invoice calls for it
    supplier_org: str
    credit_note: bool = False
    history_suppliers: list[tuple[str, str]] = field(default_factory=list)  # (name, org)


def _spec(country: Country, number: str, lines: list[Line], **kwargs: object) -> Spec:
    defaults: dict[str, object] = {
        "seller": country.supplier,
        "buyer": country.buyer,
        "issue_date": ISSUED,
        "currency": "NOK" if country.code == "NO" else "SEK",
        "payment": country.payment,
    }
    return Spec(number=number, lines=lines, **{**defaults, **kwargs})  # type: ignore[arg-type]


def _ehf(country: Country, kind: str, spec: Spec, codes: list[str]) -> Cell:
    return Cell(
        kind,
        ubl(spec),
        f"{kind}.xml",
        spec.number,
        codes,
        spec.seller.org_number,
        credit_note=spec.credit_note,
    )


def _item(country: Country) -> str:
    return "Mobilabonnement bedrift" if country.code == "NO" else "Kontorsmaterial"


def ehf_cells(country: Country) -> dict[str, Cell]:
    s25 = ("S", D(25))
    item = _item(country)
    cells = {
        "ehf_invoice": _ehf(
            country,
            "ehf_invoice",
            _spec(country, "M-1001", [Line(item, D("1498.00")), Line(item, D("3981.50"))]),
            [country.expected[s25]] * 2,
        ),
        "ehf_credit_note": _ehf(
            country,
            "ehf_credit_note",
            _spec(
                country,
                "M-1002",
                [Line(item, D("499.00"))],
                credit_note=True,
                credits="M-1001",
                payment=Payment(account=country.payment.account, giro=country.payment.giro),
            ),
            [country.expected[s25]],
        ),
        "invoice_in_eur": _ehf(
            country,
            "invoice_in_eur",
            _spec(country, "M-1003", [Line(item, D("240.00"))], currency="EUR"),
            [country.expected[s25]],
        ),
        "reverse_charge_from_abroad": _ehf(
            country,
            "reverse_charge_from_abroad",
            _spec(
                country,
                "M-1004",
                [Line("Cloud hosting, November", D("1200.00"), "AE", D(0))],
                seller=country.abroad,
                currency="NOK" if country.code == "NO" else "SEK",
                payment=Payment(account="DE89370400440532013000", bic="COBADEFFXXX"),
            ),
            [country.reverse_code],
        ),
        "mixed_rates": _ehf(
            country,
            "mixed_rates",
            _spec(
                country,
                "M-1005",
                [
                    Line(f"{item} {n}", D("100.00") * (n + 1), cat, rate)
                    for n, (cat, rate) in enumerate(country.rates)
                ],
            ),
            [country.expected[rate] for rate in country.rates],
        ),
        "with_history": _ehf(
            country,
            "with_history",
            _spec(
                country,
                "M-1006",
                [Line("Renhold og kontorservice", D("2200.00"))],
                seller=country.other,
                payment=country.other_payment,
            ),
            [country.expected[s25]],
        ),
        "without_history": _ehf(
            country,
            "without_history",
            _spec(country, "M-1007", [Line(item, D("899.00"))]),
            [country.expected[s25]],
        ),
    }
    return cells


def pdf_cells(country: Country, seed: int) -> dict[str, Cell]:
    """A born-digital PDF, and a scan of another invoice (the scan of the same one would be
    its duplicate, and is: Kontera files it as such), from the PDF fixture generator."""
    rng = random.Random(seed)
    first, second = _pdf_invoice(rng, country), _pdf_invoice(rng, country)
    pdf = render_pdf(first, country.layout, FONTS[0], rng)
    scanned_pdf = render_pdf(second, country.layout, FONTS[0], rng)
    scan = degrade(rasterise(scanned_pdf)[0], random.Random(seed))
    buffer = io.BytesIO()
    scan.save(buffer, format="JPEG", quality=85, dpi=(200, 200))
    return {
        "text_pdf": _pdf_cell("text_pdf", pdf, "invoice.pdf", first, country),
        "scan": _pdf_cell("scan", buffer.getvalue(), "invoice.jpg", second, country),
    }


def _pdf_cell(kind: str, data: bytes, filename: str, truth: InvoiceData, country: Country) -> Cell:
    codes = [country.expected[("S", line.rate)] for line in truth.lines]
    org = truth.org_number.replace("-", "")
    cell = Cell(kind, data, filename, truth.number, codes, org)
    cell.history_suppliers = [(truth.seller, truth.org_number)]
    return cell


def _pdf_invoice(rng: random.Random, country: Country) -> InvoiceData:
    while True:
        data = make_invoice(rng, country.code, 0)
        if not data.credit_note and len(data.lines) <= 3:
            break
    data.issue, data.due = ISSUED + timedelta(days=1), ISSUED + timedelta(days=21)
    return data


def history_csv(country: Country, extra: list[tuple[str, str]]) -> bytes:
    """Ten months of the company's postings: each supplier on `country.account` (the
    telephone/office account) at the standard rate, the service abroad with reverse charge."""
    code = country.expected[("S", D(25))]
    other_account = "6300" if country.code == "NO" else "5010"
    abroad_account = "6790" if country.code == "NO" else "6540"
    suppliers = [
        (country.supplier.name, country.supplier.org_number, country.account, code),
        (country.other.name, country.other.org_number, other_account, code),
        (country.abroad.name, country.abroad.org_number, abroad_account, country.reverse_code),
        *[(name, org, country.account, code) for name, org in extra],
    ]
    header = "date,supplier_id,supplier_name,supplier_org_number,description,amount,currency"
    rows = [header + ",account,vat_code"]
    currency = "NOK" if country.code == "NO" else "SEK"
    for month in range(10):
        day = date(2025, 1, 10) + timedelta(days=30 * month)
        for name, org, account, vat in suppliers:
            amount = 1000 + 37 * month
            rows.append(f"{day},,{name},{org},Faktura {month},{amount},{currency},{account},{vat}")
    return ("\n".join(rows) + "\n").encode()


def cells(country: Country, seed: int = 7) -> dict[str, Cell]:
    found = {**ehf_cells(country), **pdf_cells(country, seed)}
    return {kind: found[kind] for kind in KINDS}
