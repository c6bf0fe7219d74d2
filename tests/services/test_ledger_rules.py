"""Suggestions respect the ledger's chart: the rules on their own, line by line.

GIVEN a synced chart (complete) with an open cost account, a closed one, one kept off
supplier invoices and one locked to a VAT code, WHEN a suggestion (from any source) names
an account or VAT code the ledger would refuse, THEN the line names an open account and a
code that account takes, or abstains, and its reason says why — in English for the API and
in the reader's language on the page. Before a full chart arrived nothing is filtered.
"""

from __future__ import annotations

from decimal import Decimal

from kontera.domain.chart import ChartAccount
from kontera.domain.chart import ChartVatCode
from kontera.domain.chart import VatDirection
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import InvoiceLine
from kontera.domain.suggestion import Candidate
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion
from kontera.i18n import translator
from kontera.services.suggest.chart import Chart
from kontera.services.suggest.ledger_rules import respect_ledger

ACCOUNTS = [
    ChartAccount("6300", "Leie lokale"),
    ChartAccount("6340", "Lys, varme"),
    ChartAccount("6390", "Annen kostnad lokaler", active=False),
    ChartAccount("2400", "Leverandørgjeld", supplier_invoices=False),
    ChartAccount("7140", "Reisekostnad", vat_codes=frozenset({"0", "13"})),
]
VAT = [
    ChartVatCode("0", "Ingen mva", Decimal(0), VatDirection.NONE),
    ChartVatCode("1", "Inngående 25 %", Decimal(25)),
    ChartVatCode("13", "Inngående 12 %", Decimal(12)),
    ChartVatCode("3", "Utgående 25 %", Decimal(25), VatDirection.OUTPUT),
]


def chart(*, complete: bool = True) -> Chart:
    return Chart("NO", {a.number: a for a in ACCOUNTS}, {v.code: v for v in VAT}, complete=complete)


def invoice(rate: str = "25") -> Invoice:
    return Invoice(
        lines=[InvoiceLine(description="Strøm", net=Decimal(1000), vat_rate=Decimal(rate))]
    )


def line(account: str | None, vat: str | None = "1", *alternatives: str) -> Suggestion:
    candidates = [Candidate(a, "1", 0.2) for a in alternatives]
    suggested = LineSuggestion(0, account, vat, 0.7, alternatives=candidates, reason="History.")
    return Suggestion([suggested], model="test")


def only(suggestion: Suggestion) -> LineSuggestion:
    assert len(suggestion.lines) == 1
    return suggestion.lines[0]


def test_a_closed_account_gives_way_to_the_next_open_alternative() -> None:
    got = only(respect_ledger(chart(), line("6390", "1", "6390", "6340"), invoice(),
                              ledger_name="Tripletex"))  # fmt: skip
    assert (got.account, got.vat_code) == ("6340", "1")
    assert got.reason == (
        "Account 6390 is closed for posting in Tripletex, so the next most likely account: 6340."
    )
    assert [c.account for c in got.alternatives] == ["6340"]
    assert got.reason_text is not None
    assert translator("nb").text(got.reason_text) == (
        "Konto 6390 er stengt for føring i Tripletex, så nest mest sannsynlige konto: 6340."
    )


def test_an_account_the_ledger_does_not_have_is_never_suggested() -> None:
    got = only(respect_ledger(chart(), line("6999", "1", "6300"), invoice()))
    assert got.account == "6300"
    assert "Account 6999 is closed for posting in the ledger" in got.reason
    assert got.reason_text is not None
    assert "regnskapssystemet" in translator("nb").text(got.reason_text)


def test_an_account_kept_off_supplier_invoices_is_passed_over() -> None:
    got = only(respect_ledger(chart(), line("2400", "1", "2400", "6300"), invoice()))
    assert got.account == "6300"


def test_with_no_open_alternative_the_line_abstains_and_says_so() -> None:
    got = only(respect_ledger(chart(), line("6390", "1", "6390", "7777"), invoice()))
    assert got.account is None and got.abstained
    assert got.reason.endswith("no other account has history for this line: choose one.")


def test_the_suppliers_default_account_takes_a_closed_accounts_place() -> None:
    got = only(respect_ledger(chart(), line("6390"), invoice(), default_account="6340"))
    assert got.account == "6340" and not got.abstained
    assert "the supplier's default account there is 6340" in got.reason


def test_the_suppliers_default_account_fills_a_line_without_history() -> None:
    suggestion = line(None, None)
    suggestion.lines[0].abstained = True
    got = only(respect_ledger(chart(), suggestion, invoice(), default_account="6300",
                              supplier_known=False, ledger_name="Fortnox"))  # fmt: skip
    assert got.account == "6300" and not got.abstained
    assert got.reason == (
        "The supplier's default account in Fortnox is 6300 (History.). "
        "VAT code 1, from the invoice line's VAT rate."
    )


def test_a_closed_default_account_is_not_evidence() -> None:
    suggestion = line(None, None)
    suggestion.lines[0].abstained = True
    got = only(respect_ledger(chart(), suggestion, invoice(), default_account="6390",
                              supplier_known=False))  # fmt: skip
    assert got.account is None and got.abstained


def test_a_vat_code_the_account_does_not_take_becomes_the_one_with_the_lines_rate() -> None:
    got = only(respect_ledger(chart(), line("7140", "1"), invoice("12")))
    assert got.vat_code == "13"
    assert "VAT code 1 is not one account 7140 takes (0, 13); 13 instead." in got.reason
    assert got.reason_text is not None
    assert "MVA-kode 1 er ikke en konto 7140 tar (0, 13); 13 i stedet." in translator("nb").text(
        got.reason_text
    )


def test_an_output_vat_code_is_never_suggested_on_a_purchase() -> None:
    got = only(respect_ledger(chart(), line("6300", "3"), invoice("25")))
    assert got.vat_code == "1"
    assert "VAT code 3 is not one the company may use on account 6300; 1 instead." in got.reason


def test_before_a_full_chart_arrived_accounts_are_not_filtered() -> None:
    got = only(respect_ledger(chart(complete=False), line("6999"), invoice()))
    assert got.account == "6999" and got.reason == "History."
