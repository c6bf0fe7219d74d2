"""A company's chart of accounts and VAT codes from the files its books come in.

- SAF-T Financial (NO): `MasterFiles/GeneralLedgerAccounts/Account` (number, name, standard
  account) and `MasterFiles/TaxTable` (the company's own tax codes, each mapped to a SAF-T
  standard code: Kontera's code is the standard code, the company's own is kept beside it).
- SIE (SE): `#KONTO` (number, name), `#SRU` (tax-return mapping) and `#KTYP` (T/S/K/I).
  SIE has no VAT codes: Swedish VAT is implicit in the 26xx accounts.
- CSV/XLSX history: only the accounts it used (and their names where a column gives them);
  that is no full chart, so these rows carry `ChartSource.HISTORY`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kontera.domain.chart import ChartAccount
from kontera.domain.chart import ChartFile
from kontera.domain.chart import ChartSource
from kontera.domain.chart import ChartVatCode
from kontera.domain.chart import VatDirection
from kontera.suggest.csv_history import ColumnMapping
from kontera.suggest.csv_history import read_csv_history
from kontera.suggest.history import HistoryLine
from kontera.suggest.importers import detect_format
from kontera.suggest.saft import SaftAccount
from kontera.suggest.saft import SaftTaxCode
from kontera.suggest.saft import iter_saft
from kontera.suggest.sie import read_sie_lines
from kontera.suggest.sie import tokens

# SAF-T standard tax codes used on sales; every other standard code is a purchase code.
SAFT_OUTPUT_CODES = frozenset({"3", "31", "32", "33", "5", "51", "52", "6", "7"})
SAFT_NO_VAT_CODES = frozenset({"0", "7"})


def read_chart_file(
    path: Path, format: str | None = None, mapping: ColumnMapping | None = None
) -> ChartFile:
    """The chart a history file carries (empty when it carries none)."""
    kind = format or detect_format(path)
    if kind == "saft":
        return read_saft_chart(path)
    if kind == "sie":
        return read_sie_chart(path)
    return chart_from_history(read_csv_history(path, mapping))


def read_saft_chart(path: Path) -> ChartFile:
    accounts: list[ChartAccount] = []
    vat_codes: dict[str, ChartVatCode] = {}
    for record in iter_saft(path):
        if isinstance(record, SaftAccount) and record.account_id:
            accounts.append(_saft_account(record))
        elif isinstance(record, SaftTaxCode) and record.code:
            vat = saft_vat_code(record)
            vat_codes.setdefault(vat.code, vat)  # several own codes → one standard: first wins
    return ChartFile(tuple(accounts), tuple(vat_codes.values()))


def _saft_account(record: SaftAccount) -> ChartAccount:
    return ChartAccount(
        number=record.account_id,
        name=record.description,
        standard_account=record.standard_account_id,
        source=ChartSource.IMPORT,
    )


def saft_vat_code(record: SaftTaxCode) -> ChartVatCode:
    """Kontera's code is the SAF-T standard code; the company's own code is its number."""
    standard = record.standard_code or record.code
    return ChartVatCode(
        code=standard,
        name=record.description,
        rate=record.percentage,
        direction=saft_direction(standard),
        ledger_number=record.code,
        source=ChartSource.IMPORT,
    )


def saft_direction(standard_code: str) -> VatDirection:
    if standard_code in SAFT_NO_VAT_CODES:
        return VatDirection.NONE
    if standard_code in SAFT_OUTPUT_CODES:
        return VatDirection.OUTPUT
    return VatDirection.INPUT


def read_sie_chart(path: Path) -> ChartFile:
    names: dict[str, str] = {}
    sru: dict[str, str] = {}
    for line in read_sie_lines(path):
        fields = tokens(line.strip())
        if len(fields) < 3:
            continue
        label = fields[0].upper()
        if label == "#KONTO":
            names[fields[1]] = fields[2]
        elif label == "#SRU":
            sru[fields[1]] = fields[2]
    accounts = tuple(
        ChartAccount(number=number, name=name, sru=sru.get(number), source=ChartSource.IMPORT)
        for number, name in names.items()
    )
    return ChartFile(accounts)


def chart_from_history(lines: Iterable[object]) -> ChartFile:
    """The accounts a history used, each with the last name a line gave it."""
    names: dict[str, str] = {}
    for line in lines:
        if isinstance(line, HistoryLine) and line.account:
            names[line.account] = line.account_name or names.get(line.account, "")
    accounts = tuple(
        ChartAccount(number=number, name=name, source=ChartSource.HISTORY)
        for number, name in names.items()
    )
    return ChartFile(accounts)
