"""SIE 4: the corpus files import voucher for voucher; an unbalanced voucher is reported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kontera.suggest.history import HistoryLine
from kontera.suggest.history import ImportProblem
from kontera.suggest.sie import SieAccount
from kontera.suggest.sie import SieVoucher
from kontera.suggest.sie import iter_sie
from kontera.suggest.sie import read_sie_history
from kontera.suggest.sie import read_sie_lines
from kontera.suggest.sie import tokens


def _type4_files(sie_dir: Path) -> list[Path]:
    return [
        path
        for path in sorted(sie_dir.iterdir())
        if path.suffix.lower() in {".se", ".si"} and re.search(rb"#SIETYP\s+4", path.read_bytes())
    ]


def _raw_count(path: Path, label: str) -> int:
    text = path.read_bytes().decode("cp437")
    return len(re.findall(rf"^\s*{label}\s", text, flags=re.MULTILINE))


def test_every_ver_and_trans_of_the_type4_files_is_accounted_for(sie_dir: Path) -> None:
    """GIVEN the 30 type-4 files WHEN parsed THEN each #VER is a voucher or a reported problem
    and each #TRANS of an imported voucher is a transaction."""
    vouchers = problems = transactions = raw_trans_in_problems = 0
    for path in _type4_files(sie_dir):
        records = list(iter_sie(read_sie_lines(path), path.name))
        file_vouchers = [r for r in records if isinstance(r, SieVoucher)]
        file_problems = [r for r in records if isinstance(r, ImportProblem)]
        assert len(file_vouchers) + len(file_problems) == _raw_count(path, "#VER"), path.name
        vouchers += len(file_vouchers)
        problems += len(file_problems)
        transactions += sum(len(v.transactions) for v in file_vouchers)
        raw_trans_in_problems += _raw_count(path, "#TRANS") - sum(
            len(v.transactions) for v in file_vouchers
        )
    assert vouchers + problems == sum(_raw_count(p, "#VER") for p in _type4_files(sie_dir))
    assert transactions > 8000
    assert raw_trans_in_problems < 20  # only the few transactions of refused vouchers


def test_the_deliberately_unbalanced_file_is_reported_not_imported(sie_dir: Path) -> None:
    bad = list(iter_sie(read_sie_lines(sie_dir / "transaktioner_ovnbolag-bad-balance.se")))
    good = list(iter_sie(read_sie_lines(sie_dir / "transaktioner_ovnbolag.se")))
    bad_problems = [r for r in bad if isinstance(r, ImportProblem)]
    assert len(bad_problems) == 1
    assert "does not balance" in str(bad_problems[0])
    assert not [r for r in good if isinstance(r, ImportProblem)]
    good_vouchers = [r for r in good if isinstance(r, SieVoucher)]
    assert len([r for r in bad if isinstance(r, SieVoucher)]) == len(good_vouchers) - 1
    assert all(v.balance == 0 for v in good_vouchers)


def test_cp437_account_names_are_decoded(sie_dir: Path) -> None:
    records = iter_sie(read_sie_lines(sie_dir / "transaktioner_ovnbolag.se"))
    names = [r.name for r in records if isinstance(r, SieAccount)]
    assert any(ch in name for name in names for ch in "åäöÅÄÖ")


def test_fields_quotes_and_object_lists() -> None:
    line = '#TRANS 4010 {1 "456" 6 "P 12"} -1000.50 20230105 "Faktura \\"Telia\\""'
    assert tokens(line) == [
        "#TRANS", "4010", '{1 "456" 6 "P 12"}', "-1000.50", "20230105", 'Faktura "Telia"',
    ]  # fmt: skip
    sie = ['#VER A 7 20230105 "Telia"', "{", line, "#TRANS 2440 {} 1000.50", "}"]
    (voucher,) = list(iter_sie(sie))
    assert isinstance(voucher, SieVoucher)
    assert voucher.transactions[0].objects == (("1", "456"), ("6", "P 12"))


def test_supplier_invoices_become_cost_history(sie_dir: Path) -> None:
    items = list(read_sie_history(sie_dir / "transaktioner_ovnbolag.se"))
    lines = [i for i in items if isinstance(i, HistoryLine)]
    assert lines
    assert not any(line.account.startswith(("244", "264", "19")) for line in lines)


@pytest.mark.parametrize(
    ("broken", "said"),
    [
        ("#TRANS 4010 {} notanumber", "line 3: #TRANS amount 'notanumber' is not a number"),
        ("#TRANS 4010 {}", "line 3: #TRANS without amount"),
        ("#TRANS {} 100.00", "line 3: #TRANS without account"),
    ],
)
def test_an_unreadable_transaction_is_a_problem_named_by_its_line(broken: str, said: str) -> None:
    records = list(iter_sie(["#VER A 1 20230101", "{", broken, "#TRANS 2440 -100.00", "}"]))
    problems = [str(r) for r in records if isinstance(r, ImportProblem)]
    assert problems == [
        said,
        "line 1: voucher A 1 was not imported: 1 of its transactions could not be read",
    ]
    assert not [r for r in records if isinstance(r, SieVoucher)]
