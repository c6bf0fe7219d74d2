"""CSV/XLSX history with a column mapping."""

from __future__ import annotations

import gzip
import itertools
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from kontera.domain.errors import InvalidInput
from kontera.suggest.csv_history import parse_mapping
from kontera.suggest.csv_history import read_csv_history
from kontera.suggest.history import HistoryLine
from kontera.suggest.history import ImportProblem
from kontera.suggest.history import normalise_name
from kontera.suggest.parsing import parse_amount
from kontera.suggest.parsing import parse_date

CANONICAL = (
    "date,supplier_id,supplier_name,supplier_org_number,description,amount,currency,account,vat_code\n"
    '2024-01-31,10,Telenor Norge AS,976 967 631,Mobilabonnement januar,"1 234,50",NOK,6900,1\n'
    "31.01.2024,,Elvia AS,,,(200.00),NOK,6340 Lys og varme,1\n"
    "not a date,11,Somebody,,,,NOK,6300,\n"
)


def test_canonical_csv_reads_money_as_decimal_and_reports_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text(CANONICAL, encoding="utf-8")
    items = list(read_csv_history(path))
    first, second, bad = items
    assert isinstance(first, HistoryLine) and isinstance(second, HistoryLine)
    assert first.amount == Decimal("1234.50")
    assert first.supplier_key == "org:976967631"
    assert (second.account, second.account_name, second.amount) == (
        "6340", "Lys og varme", Decimal("-200.00"),
    )  # fmt: skip
    assert isinstance(bad, ImportProblem) and "row 4" in bad.location


def test_mapping_names_the_files_columns_and_gzip_is_read(tmp_path: Path) -> None:
    path = tmp_path / "spend.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("Paid;Vendor;Code;Narrative;Details\n2020-02-03;ACME LTD;5100;Gas;bill\n")
    mapping = parse_mapping(
        ["date=Paid", "supplier_name=Vendor", "account=Code", "description=Narrative",
         "description=Details"]
    )  # fmt: skip
    (line,) = list(read_csv_history(path, mapping))
    assert isinstance(line, HistoryLine)
    assert line.description == "Gas bill"
    assert line.supplier_key == "name:ACME"


def test_first_non_empty_of_alternative_columns(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("date,who,code,code_t\n2020-01-01,A,076,Heating\n2020-01-02,A,Gas,\n")
    mapping = parse_mapping(["supplier_name=who", "account=code_t|code"])
    accounts = [i.account for i in read_csv_history(path, mapping) if isinstance(i, HistoryLine)]
    assert accounts == ["Heating", "Gas"]


def test_missing_required_columns_are_explained(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("date,amount\n2020-01-01,1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="account"):
        list(read_csv_history(path))
    with pytest.raises(InvalidInput, match="unknown column"):
        parse_mapping(["acount=x"])


def _orebro_mapping() -> dict[str, tuple[str, ...]]:
    return parse_mapping(
        ["supplier_name=LEVERANTÖR", "supplier_org_number=ORGANISATIO",
         "invoice_number=FAKT NR", "account=KONTO", "amount=UTFALL"]
    )  # fmt: skip


def test_orebro_xlsx_first_rows(corpus: Path) -> None:
    """The shared strings, numbers and the "62100 El" account style of a real export."""
    path = corpus / "posting-history" / "orebro-kommun-sambruk" / "Orebro.2016-03.xlsx"
    lines = list(itertools.islice(read_csv_history(path, _orebro_mapping()), 200))
    assert all(isinstance(line, HistoryLine) for line in lines)
    first = lines[0]
    assert isinstance(first, HistoryLine)
    assert first.account.isdigit() and first.account_name
    assert first.supplier_org_number and first.supplier_key.startswith("org:")
    assert first.amount is not None and first.date is None and first.invoice_number


@pytest.mark.slow
def test_orebro_xlsx_reads_all_rows_with_account_names(corpus: Path) -> None:
    path = corpus / "posting-history" / "orebro-kommun-sambruk" / "Orebro.2016-03.xlsx"
    mapping = parse_mapping(
        ["supplier_name=LEVERANTÖR", "supplier_org_number=ORGANISATIO",
         "invoice_number=FAKT NR", "account=KONTO", "amount=UTFALL"]
    )  # fmt: skip
    items = list(read_csv_history(path, mapping))
    lines = [i for i in items if isinstance(i, HistoryLine)]
    assert len(items) == 68021  # the sheet's dimension A1:F68022 minus the header
    assert len(lines) > 68000
    assert all(line.account.isdigit() for line in lines)
    assert sum(1 for line in lines if line.account_name) > 68000


@pytest.mark.parametrize(
    ("text", "value"),
    [("1 234,50", "1234.50"), ("1,234.50", "1234.50"), ("-75000", "-75000"), ("(12.00)", "-12.00")],
)
def test_amounts(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


def test_dates_and_names() -> None:
    assert parse_date("20230105").isoformat() == "2023-01-05"
    assert parse_date("05/01/2023").isoformat() == "2023-01-05"
    assert normalise_name("Telenor Norge A/S") == normalise_name("TELENOR NORGE AS ")


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(InvalidInput, match="xlsx"):
        list(read_csv_history(path))


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_the_delimiter_is_sniffed_even_when_amounts_have_commas(
    tmp_path: Path, delimiter: str
) -> None:
    path = tmp_path / "h.csv"
    rows = [
        ["date", "supplier_name", "account", "amount"],
        ["2024-01-31", "Telenor Norge AS, avd. Oslo", "6900", "1 234,50"],
        ["2024-02-29", "Elvia AS", "6340", "200,00"],
    ]
    path.write_text("".join(delimiter.join(row) + "\n" for row in rows), encoding="utf-8")
    lines = [i for i in read_csv_history(path) if isinstance(i, HistoryLine)]
    assert [line.amount for line in lines] == [Decimal("1234.50"), Decimal("200.00")]
    assert lines[0].supplier_name == "Telenor Norge AS, avd. Oslo"


def test_a_workbook_with_an_entity_is_refused_not_expanded(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "bomb.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["date", "supplier_name", "account"])  # type: ignore[union-attr]
    workbook.save(path)
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><x>&a;</x>'
    rewritten = tmp_path / "bomb2.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rewritten, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, bomb if item.filename.endswith("sheet1.xml") else data)
    with pytest.raises(InvalidInput, match="xlsx"):
        list(read_csv_history(rewritten))
