"""Auto-approval policy: each rule decides with a reason a bookkeeper can read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Party
from kontera.domain.invoice import Totals
from kontera.domain.suggestion import LineSuggestion
from kontera.domain.suggestion import Suggestion
from kontera.suggest.policy import AutoApprovalPolicy
from kontera.suggest.policy import decide

TELENOR = "org:976967631"


def _case(confidence: float = 0.995, payable: str = "1000") -> tuple[Invoice, Suggestion]:
    invoice = Invoice(
        profile="urn:fdc:peppol.eu:2017:poacc:billing:01:1.0 (EHF)",
        seller=Party(name="Telenor Norge AS", org_number="976967631"),
        totals=Totals(payable=Decimal(payable)),
    )
    line = LineSuggestion(0, "6900", "1", confidence)
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
