"""The company's chart of accounts and VAT codes: filled from files, searched, checked."""

from __future__ import annotations

import csv
from pathlib import Path

from kontera.domain.chart import ChartAccount
from kontera.domain.chart import ChartSource
from kontera.domain.chart import ChartVatCode
from kontera.domain.chart import VatDirection
from kontera.domain.messages import Message
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.suggest.chart import company_chart
from kontera.services.suggest.chart import search_accounts
from kontera.services.suggest.chart import search_vat_codes
from kontera.services.suggest.chart import store_accounts
from kontera.services.suggest.chart import store_vat_codes
from kontera.services.suggest.chart_fill import load_demo_chart
from kontera.services.suggest.history import import_history_file
from tests.conftest import FIXTURES

SAFT = "saft-no/Example Files/ExampleFile SAF-T Financial_888888888_20180228235959.xml"
SIE = "sie-se/sie_test_files/SIE4_Exempelfil_med_underdim.SE"


def company(ctx: AppContext, country: str = "NO") -> str:
    org = "923609016" if country == "NO" else "5560360793"
    return companies.create_company(
        ctx, name=f"Chart {country}", org_number=org, country=country
    ).id


def test_without_chart_accounts_are_checked_by_format_and_vat_by_the_country(
    ctx: AppContext,
) -> None:
    """GIVEN a new Norwegian company with nothing imported or synced
    THEN any well-formed account passes, ABC-99999 and VAT code 77 do not, and a Swedish code
    is not a Norwegian company's."""
    chart = company_chart(ctx, company_id=company(ctx))
    assert not chart.complete
    assert words(chart.problems("6300", "1")) == []
    assert words(chart.problems("ABC-99999", "1")) == [
        "'ABC-99999' is not an account number (4 to 6 digits)."
    ]
    assert words(chart.problems("6300", "77")) == [
        "VAT code 77 is not one of the company's VAT codes."
    ]
    assert not chart.is_postable("6300", "SE25")


def test_a_swedish_company_gets_swedish_codes_and_four_digit_accounts(ctx: AppContext) -> None:
    chart = company_chart(ctx, company_id=company(ctx, "SE"))
    assert chart.is_postable("5010", "SE25")
    assert chart.is_postable("5010", None)  # no code = SE0
    assert not chart.is_postable("5010", "1")
    assert not chart.is_postable("50100", "SE25")


def test_saft_import_fills_accounts_and_tax_codes(ctx: AppContext, corpus: Path) -> None:
    """GIVEN the official SAF-T example WHEN its history is imported
    THEN its GL accounts and tax table are the company's chart, by standard code."""
    company_id = company(ctx)
    # The example holds org. no. 888888888's books, not this company's: imported knowingly.
    report = import_history_file(ctx, company_id=company_id, path=corpus / SAFT, force=True)
    assert report.chart.accounts == 22  # the example's MasterFiles list 22
    chart = company_chart(ctx, company_id=company_id)
    assert chart.complete
    assert chart.accounts["4000"].name == "Varekjøp"
    assert words(chart.problems("9999", "1")) == [
        "Account 9999 is not in the company's chart of accounts."
    ]
    vat = chart.vat_code("1")
    assert vat is not None and vat.direction is VatDirection.INPUT and vat.rate == 25
    output = chart.vat_code("3")
    assert output is not None and output.direction is VatDirection.OUTPUT
    assert chart.problems("4000", "3")  # a sales code on a purchase
    assert chart.accounts["2710"].source is ChartSource.IMPORT
    own = chart.vat_code("11")
    assert own is not None and own.ledger_number == "1R"  # the company's own code, kept


def test_sie_import_fills_accounts_with_sru(ctx: AppContext, corpus: Path) -> None:
    company_id = company(ctx, "SE")
    report = import_history_file(ctx, company_id=company_id, path=corpus / SIE, force=True)
    assert report.chart.accounts > 100
    chart = company_chart(ctx, company_id=company_id)
    assert chart.complete
    with_sru = [a for a in chart.accounts.values() if a.sru]
    assert with_sru
    assert chart.vat_code("SE25") is not None  # SIE has no VAT codes: the standard ones stay


def test_a_csv_history_names_accounts_but_is_no_full_chart(ctx: AppContext) -> None:
    company_id = company(ctx)
    history = FIXTURES / "demo" / "history.csv"
    import_history_file(ctx, company_id=company_id, path=history)
    chart = company_chart(ctx, company_id=company_id)
    with history.open(encoding="utf-8", newline="") as rows:
        used = {row["account"] for row in csv.DictReader(rows)}
    assert set(chart.accounts) == used
    assert not chart.complete
    assert chart.is_postable("6540", "1")  # not used before, still a well-formed account


def test_inactive_accounts_and_restricted_vat_codes_are_refused(ctx: AppContext) -> None:
    company_id = company(ctx)
    store_accounts(
        ctx,
        company_id=company_id,
        source=ChartSource.LEDGER,
        accounts=[
            ChartAccount("6300", "Leie lokaler"),
            ChartAccount("6301", "Gammel leie", active=False),
            ChartAccount("7350", "Representasjon", vat_codes=frozenset({"0"})),
        ],
    )
    chart = company_chart(ctx, company_id=company_id)
    assert words(chart.problems("6301", "1")) == [
        "Account 6301 Gammel leie is inactive in the chart of accounts."
    ]
    assert words(chart.problems("7350", "1")) == [
        "Account 7350 does not accept VAT code 1 (only 0)."
    ]
    assert chart.is_postable("7350", "0")


def test_an_import_does_not_undo_a_sync_and_a_full_sync_replaces(ctx: AppContext) -> None:
    company_id = company(ctx)
    synced = [ChartAccount("6300", "Husleie (ledger)", ledger_id="77")]
    store_accounts(ctx, company_id=company_id, accounts=synced, source=ChartSource.LEDGER)
    store_accounts(
        ctx,
        company_id=company_id,
        accounts=[ChartAccount("6300", "Old name"), ChartAccount("6400", "Leie maskiner")],
        source=ChartSource.IMPORT,
    )
    chart = company_chart(ctx, company_id=company_id)
    assert chart.accounts["6300"].name == "Husleie (ledger)"
    assert chart.accounts["6300"].ledger_id == "77"
    assert chart.accounts["6400"].source is ChartSource.IMPORT
    store_accounts(
        ctx,
        company_id=company_id,
        accounts=[ChartAccount("6900", "Telefon")],
        source=ChartSource.LEDGER,
        replace=True,
    )
    assert set(company_chart(ctx, company_id=company_id).accounts) == {"6400", "6900"}


def test_own_vat_codes_replace_the_standard_list(ctx: AppContext) -> None:
    company_id = company(ctx)
    store_vat_codes(
        ctx,
        company_id=company_id,
        source=ChartSource.LEDGER,
        vat_codes=[
            ChartVatCode("1", "Inngående 25 %", ledger_id="3", ledger_number="1"),
            ChartVatCode("0", "Ingen mva", direction=VatDirection.NONE),
            ChartVatCode("11", "Inngående 15 %", active=False),
        ],
    )
    chart = company_chart(ctx, company_id=company_id)
    assert chart.is_postable("6300", "1")
    assert words(chart.problems("6300", "11")) == ["VAT code 11 (Inngående 15 %) is inactive."]
    assert words(chart.problems("6300", "13")) == [
        "VAT code 13 is not one of the company's VAT codes."
    ]


def test_search_by_number_prefix_or_name(ctx: AppContext) -> None:
    company_id = company(ctx)
    load_demo_chart(ctx, company_id=company_id, fixtures=FIXTURES)
    numbers = [a.number for a in search_accounts(ctx, company_id=company_id, query="63")]
    assert numbers == ["6300", "6320", "6340", "6360"]
    by_name = search_accounts(ctx, company_id=company_id, query="LEIE")
    assert [a.number for a in by_name] == ["6300", "6400"]
    assert search_accounts(ctx, company_id=company_id, query="6551")[0].name == (
        "Programvare og lisenser"
    )
    codes = [v.code for v in search_vat_codes(ctx, company_id=company_id, query="1")]
    assert codes[:3] == ["1", "11", "12"]
    assert "3" not in [v.code for v in search_vat_codes(ctx, company_id=company_id)]


def words(problems: list[Message]) -> list[str]:
    """The problems in English, as the API and the logs say them."""
    return [str(p) for p in problems]
