"""SIE4 and CSV export, read back with Kontera's own SIE reader and Python's csv module."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from kontera.post.connector import AttachmentFile
from kontera.post.export import CSV_COLUMNS
from kontera.post.export import Company
from kontera.post.export import ExportFormat
from kontera.post.export import FileExportConnector
from kontera.post.export import csv_export
from kontera.post.export import sie4
from kontera.post.job import PostingJob
from kontera.post.job import Step
from kontera.post.job import advance
from kontera.post.voucher_builder import ApprovedPosting
from kontera.post.voucher_builder import VoucherOptions
from kontera.post.voucher_builder import build_voucher
from kontera.suggest.sie import SieVoucher
from kontera.suggest.sie import iter_sie
from tests.post.conftest import make_invoice

COMPANY = Company("Åkerö Bygg AB", "556036-0793", "SEK")


def swedish_voucher(number: str = "77", credit: bool = False):  # type: ignore[no-untyped-def]
    invoice, approved = make_invoice(
        [("1000.00", "25", "5410"), ("250.50", "12", "5460")],
        currency="SEK",
        number=number,
        org="5560360793",
        name='Möbelhuset "Stol" AB',
        credit=credit,
    )
    codes = {"1": "SE25", "13": "SE12"}
    approved = [ApprovedPosting(p.account, codes[p.vat_code or ""], p.amount) for p in approved]
    return build_voucher(invoice, approved, VoucherOptions.for_country("SE"))


def test_sie4_reads_back_as_balanced_vouchers_with_vat_rows() -> None:
    content = sie4([("k-1", swedish_voucher()), ("k-2", swedish_voucher("78", credit=True))],
                   COMPANY, generated=date(2026, 11, 22))  # fmt: skip
    lines = content.decode("cp437").splitlines()

    records = list(iter_sie(lines))

    vouchers = [r for r in records if isinstance(r, SieVoucher)]
    assert len(vouchers) == len(records) == 2  # no ImportProblem: both balance
    first = {t.account: t.amount for t in vouchers[0].transactions}
    assert first == {"5410": Decimal("1000.00"), "5460": Decimal("250.50"),
                     "2641": Decimal("280.06"), "2440": Decimal("-1530.56")}  # fmt: skip
    assert vouchers[1].transactions[0].amount == Decimal("-1000.00")
    assert vouchers[0].text.endswith(" / k-1") and '"Stol"' in vouchers[0].text
    assert '#FNAMN "Åkerö Bygg AB"' in lines and "#SIETYP 4" in lines


def test_csv_rows_sum_to_zero_per_voucher_and_follow_the_documented_columns() -> None:
    content = csv_export([("k-1", swedish_voucher(), "k-1.document.pdf")])
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8")), delimiter=";"))

    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert sum(Decimal(r["amount"]) for r in rows) == 0
    payable = rows[-1]
    assert (payable["account"], payable["supplier_org"], payable["kid"]) == (
        "2440",
        "5560360793",
        "1234567890128",
    )
    assert {r["attachment"] for r in rows} == {"k-1.document.pdf"}


def test_export_connector_writes_each_voucher_and_document_once(
    tmp_path: Path, pdf_bytes: bytes
) -> None:
    connector = FileExportConnector(tmp_path, COMPANY, ExportFormat.SIE4, today=date(2026, 11, 22))
    file = AttachmentFile(pdf_bytes, "faktura.pdf", "application/pdf")
    voucher = swedish_voucher()

    for _ in range(2):
        job = advance(PostingJob("k-1", "export"), connector, voucher, file, lambda j: None)

    assert job.step is Step.POSTED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k-1.document.pdf", "k-1.se"]
    assert (tmp_path / "k-1.document.pdf").read_bytes() == pdf_bytes
