"""SAF-T Financial NO: the Skatteetaten example files import with their real counts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kontera.domain.errors import InvalidInput
from kontera.suggest.history import HistoryLine
from kontera.suggest.saft import SaftAccount
from kontera.suggest.saft import SaftSupplier
from kontera.suggest.saft import SaftTaxCode
from kontera.suggest.saft import SaftTransaction
from kontera.suggest.saft import iter_saft
from kontera.suggest.saft import read_saft_history

EXAMPLE_888 = "ExampleFile SAF-T Financial_888888888_20180228235959.xml"
EXAMPLE_999 = "ExampleFile SAF-T Financial_999999999_20161125213512.xml"


def _count_tags(path: Path, tag: str) -> int:
    return path.read_text(encoding="utf-8-sig").count(f"<n1:{tag}>")


@pytest.mark.parametrize("name", [EXAMPLE_888, EXAMPLE_999])
def test_every_transaction_line_supplier_and_tax_code_is_read(saft_dir: Path, name: str) -> None:
    """GIVEN an official example file WHEN streamed THEN every record the XML holds comes out."""
    path = saft_dir / name
    records = list(iter_saft(path))
    kinds = Counter(type(r).__name__ for r in records)
    transactions = [r for r in records if isinstance(r, SaftTransaction)]
    assert kinds["SaftTransaction"] == _count_tags(path, "Transaction")
    assert sum(len(t.lines) for t in transactions) == _count_tags(path, "Line")
    assert kinds["SaftSupplier"] == _count_tags(path, "Supplier")
    assert kinds["SaftTaxCode"] == _count_tags(path, "TaxCodeDetails")


def test_company_888888888_has_53_balanced_transactions(saft_dir: Path) -> None:
    records = list(iter_saft(saft_dir / EXAMPLE_888))
    transactions = [r for r in records if isinstance(r, SaftTransaction)]
    assert len(transactions) == 53
    assert all(sum(line.amount for line in t.lines) == 0 for t in transactions)


def test_standard_account_and_tax_code_mappings_are_kept(saft_dir: Path) -> None:
    records = list(iter_saft(saft_dir / EXAMPLE_888))
    accounts = {r.account_id: r for r in records if isinstance(r, SaftAccount)}
    codes = {r.code: r for r in records if isinstance(r, SaftTaxCode)}
    assert all(a.standard_account_id for a in accounts.values())
    assert all(c.standard_code is not None for c in codes.values())
    suppliers = [r for r in records if isinstance(r, SaftSupplier)]
    assert all(s.org_number and len(s.org_number) == 9 for s in suppliers)


def test_history_is_the_cost_side_of_supplier_transactions(saft_dir: Path) -> None:
    """GIVEN supplier invoices booked as cost + VAT + payable WHEN read as history THEN only
    the cost lines remain, each with its supplier, account name and VAT code."""
    lines = [i for i in read_saft_history(saft_dir / EXAMPLE_888) if isinstance(i, HistoryLine)]
    assert lines
    assert not any(line.account.startswith(("24", "27")) for line in lines)
    assert all(line.supplier_name and line.supplier_org_number for line in lines)
    assert all(line.account_name for line in lines)
    assert any(line.vat_code for line in lines)


def test_broken_xml_is_a_readable_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_text("<AuditFile><Header>", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not well-formed"):
        list(iter_saft(path))
