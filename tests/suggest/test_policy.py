"""Auto-approval policy: each rule decides with a reason a bookkeeper can read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kontera.domain.fields import Source
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Party
from kontera.domain.invoice import Totals
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion
from kontera.suggest.policy import AutoApprovalPolicy
from kontera.suggest.policy import decide
from kontera.suggest.voucher_confidence import TrackRecord

TELENOR = "org:976967631"


def _case(
    confidence: float = 0.995, payable: str = "1000", vat: float = 1.0
) -> tuple[Invoice, Suggestion]:
    invoice = Invoice(
        profile="urn:fdc:peppol.eu:2017:poacc:billing:01:1.0 (EHF)",
        seller=Party(name="Telenor Norge AS", org_number="976967631"),
        totals=Totals(payable=Decimal(payable)),
    )
    line = LineSuggestion(0, "6900", "1", confidence, vat_confidence=vat)
    return invoice, Suggestion(lines=[line], model="t")


def test_confident_e_invoice_within_limits_is_auto_approved() -> None:
    invoice, suggestion = _case()
    policy = AutoApprovalPolicy(enabled=True, max_amount=Decimal(5000))
    assert decide(policy, invoice, suggestion).auto_approvable
    assert "threshold" in suggestion.policy_reason


@pytest.mark.parametrize(
    ("policy", "case", "reason"),
    [
        (AutoApprovalPolicy(enabled=False), {}, "off"),
        (AutoApprovalPolicy(enabled=True), {"confidence": 0.9}, "below the threshold"),
        (AutoApprovalPolicy(enabled=True), {"vat": 0.97}, "below the threshold"),
        (AutoApprovalPolicy(enabled=True, max_amount=Decimal(500)), {}, "limit"),
        (AutoApprovalPolicy(enabled=True, deny_suppliers=frozenset({TELENOR})), {}, "never"),
        (AutoApprovalPolicy(enabled=True, allow_suppliers=frozenset({"org:1"})), {}, "not on"),
    ],
)
def test_each_rule_refuses_with_its_reason(
    policy: AutoApprovalPolicy, case: dict[str, float], reason: str
) -> None:
    invoice, suggestion = _case(**case)  # type: ignore[arg-type]
    assert not decide(policy, invoice, suggestion).auto_approvable
    assert reason in suggestion.policy_reason


def test_pdf_invoices_wait_when_only_e_invoices_qualify() -> None:
    invoice, suggestion = _case()
    invoice.profile = None
    assert not decide(AutoApprovalPolicy(enabled=True), invoice, suggestion).auto_approvable
    relaxed = AutoApprovalPolicy(enabled=True, e_invoices_only=False)
    assert decide(relaxed, invoice, suggestion).auto_approvable


def test_an_abstained_line_blocks_auto_approval() -> None:
    invoice, suggestion = _case()
    suggestion.lines.append(LineSuggestion(1, None, None, 0.2, abstained=True))
    assert not decide(AutoApprovalPolicy(enabled=True), invoice, suggestion).auto_approvable


def _read_from_pdf(invoice: Invoice, confidence: float) -> None:
    """As the PDF reader leaves it: every voucher field with its own confidence."""
    invoice.profile = None
    for path, value in (
        ("invoice_number", "10045"),
        ("issue_date", "2026-11-02"),
        ("totals.payable", "1000"),
        ("payment.kid", "0001000085"),
    ):
        invoice.set_field(path, value, confidence=confidence, source=Source.PDF_TEXT)


def test_the_whole_voucher_counts_what_was_read_as_well_as_what_is_proposed() -> None:
    """GIVEN a PDF whose four voucher fields are each 99 % sure and a 99.5 % account
    THEN the voucher is about 95.6 % sure (0.99⁴ × 0.995), and a 99 % threshold refuses it."""
    invoice, suggestion = _case()
    _read_from_pdf(invoice, 0.99)
    policy = AutoApprovalPolicy(enabled=True, e_invoices_only=False)
    assert not decide(policy, invoice, suggestion).auto_approvable
    assert suggestion.voucher_confidence == pytest.approx(0.99**4 * 0.995)


def test_a_supplier_approved_unchanged_earns_auto_approval_for_its_pdfs() -> None:
    """GIVEN the policy's e-invoices-only rule WHEN a person approved the supplier's last
    three invoices without a correction THEN its next PDF may post itself, its fields
    counting as confirmed three times over; one corrected field takes that back."""
    invoice, suggestion = _case()
    _read_from_pdf(invoice, 0.999)
    policy = AutoApprovalPolicy(enabled=True, threshold=0.99)
    assert not decide(policy, invoice, suggestion).auto_approvable
    assert "last 3 invoices" in suggestion.policy_reason
    clean = TrackRecord(reviewed=3, unchanged=3)
    assert decide(policy, invoice, suggestion, track=clean).auto_approvable
    assert "approved unchanged" in suggestion.policy_reason
    corrected = TrackRecord(reviewed=3, unchanged=2, corrected_fields=frozenset({"payment.kid"}))
    assert not decide(policy, invoice, suggestion, track=corrected).auto_approvable
