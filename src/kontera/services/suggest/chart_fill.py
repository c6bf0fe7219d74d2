"""Filling a company's chart: from a history file (SAF-T, SIE, CSV), a chart CSV, the demo.

A SAF-T or SIE file is a full chart (`ChartSource.IMPORT`); a CSV posting history only says
which accounts it used (`ChartSource.HISTORY`), which never makes the chart complete.
A chart CSV (`number,name[,vat_codes][,active]`; `vat_codes` space-separated, empty = any)
is a full chart too: the demo company's comes that way.
"""

from __future__ import annotations

import csv
from pathlib import Path

from kontera.domain.chart import ChartAccount
from kontera.domain.chart import ChartFile
from kontera.domain.chart import ChartSource
from kontera.services.context import AppContext
from kontera.services.suggest.chart import ChartCounts
from kontera.services.suggest.chart import store_accounts
from kontera.services.suggest.chart import store_vat_codes
from kontera.suggest.chart_files import read_chart_file
from kontera.suggest.csv_history import ColumnMapping

_FALSE = {"0", "false", "no", "nei", "nej", "inactive"}


def fill_from_history_file(
    ctx: AppContext,
    *,
    company_id: str,
    path: Path,
    history_format: str | None = None,
    mapping: ColumnMapping | None = None,
) -> ChartCounts:
    """Store the chart a history file carries; a file that carries none stores nothing."""
    return store_chart_file(
        ctx, company_id=company_id, chart=read_chart_file(path, history_format, mapping)
    )


def store_chart_file(ctx: AppContext, *, company_id: str, chart: ChartFile) -> ChartCounts:
    by_source: dict[ChartSource, list[ChartAccount]] = {}
    for account in chart.accounts:
        by_source.setdefault(account.source, []).append(account)
    accounts = sum(
        store_accounts(ctx, company_id=company_id, accounts=group, source=source)
        for source, group in by_source.items()
    )
    vat_codes = store_vat_codes(
        ctx, company_id=company_id, vat_codes=chart.vat_codes, source=ChartSource.IMPORT
    )
    return ChartCounts(accounts, vat_codes)


def read_chart_csv(path: Path, source: ChartSource = ChartSource.IMPORT) -> ChartFile:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    accounts = tuple(
        ChartAccount(
            number=(row.get("number") or row.get("account") or "").strip(),
            name=(row.get("name") or "").strip(),
            active=(row.get("active") or "").strip().lower() not in _FALSE,
            vat_codes=_vat_codes(row.get("vat_codes")),
            source=source,
        )
        for row in rows
        if (row.get("number") or row.get("account") or "").strip()
    )
    return ChartFile(accounts)


def _vat_codes(text: str | None) -> frozenset[str] | None:
    codes = (text or "").split()
    return frozenset(code.upper() for code in codes) if codes else None


def load_demo_chart(ctx: AppContext, *, company_id: str, fixtures: Path) -> ChartCounts:
    path = fixtures / "demo" / "chart.csv"
    if not path.exists():
        return ChartCounts(0, 0)
    chart = read_chart_csv(path, ChartSource.DEMO)
    return store_chart_file(ctx, company_id=company_id, chart=chart)
