"""Payment identifiers on real Swedish e-invoices: each judged by its own country's rules.

The Swedish BIS 3 business cases in the corpus carry made-up account, bankgiro and plusgiro
numbers (the corpus README warns of it); with a real number put in their place, the same
invoice must read without a warning.
"""

from __future__ import annotations

from pathlib import Path

from kontera.domain.invoice import Severity
from kontera.interpret.registry import interpret_bytes

SE_CASES = "en16931/test/testfiles"
PAYMENT_RULES = {f"KONTERA-ID-{n:02d}" for n in (3, 4, 7, 8, 9, 10)}


def payment_warnings(data: bytes) -> dict[str, str]:
    notes = interpret_bytes(data).invoice.notes
    return {
        n.rule_id: n.message
        for n in notes
        if n.rule_id in PAYMENT_RULES and n.severity is Severity.WARNING
    }


def test_a_valid_eleven_digit_swedish_account_gets_no_check_digit_warning(corpus: Path) -> None:
    """GIVEN a Swedish supplier's invoice paid to clearing 5000 + account 1234560 (SEB)
    THEN no "wrong check digit" (the Norwegian rule used to call it wrong);
    WITH one digit changed THEN the Swedish rule warns, and names the account."""
    data = (corpus / SE_CASES / "BIS_Billing_30-Rabatter_och_avgifter.xml").read_bytes()
    assert "KONTERA-ID-08" in payment_warnings(data)  # the corpus's made-up 12341234567
    valid = data.replace(b">12341234567<", b">50001234560<")
    assert payment_warnings(valid) == {}
    wrong = data.replace(b">12341234567<", b">50001234561<")
    warned = payment_warnings(wrong)
    assert set(warned) == {"KONTERA-ID-08"}
    assert "50001234561" in warned["KONTERA-ID-08"]


def test_bankgiro_and_plusgiro_check_digits(corpus: Path) -> None:
    data = (corpus / SE_CASES / "BIS_Billing_30-Elhandel.xml").read_bytes()
    # 22224444 (bankgiro) fails Luhn; 5050-1055 is Bankgirot's own, which holds.
    assert "KONTERA-ID-09" in payment_warnings(data)
    mended = data.replace(b">22224444<", b">50501055<")
    assert "KONTERA-ID-09" not in payment_warnings(mended)
    plusgiro = (corpus / SE_CASES / "BIS_Billing_30-InomstatligFakturering.xml").read_bytes()
    assert "KONTERA-ID-10" not in payment_warnings(plusgiro)  # 4766803-3 holds
    broken = plusgiro.replace(b">47668033<", b">47668034<")
    assert "KONTERA-ID-10" in payment_warnings(broken)
