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
from kontera.suggest.policy import CompanyRate
from kontera.suggest.policy import SupplierEvidence
from kontera.suggest.policy import decide
from kontera.suggest.supplier_habit import RUN_BINS
from kontera.suggest.supplier_habit import Habit
from kontera.suggest.supplier_habit import RunCalibration
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
        ("totals.payable", Decimal("1000")),
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
    assert decide(policy, invoice, suggestion, evidence=_usual(clean)).auto_approvable
    assert "approved unchanged" in suggestion.policy_reason
    assert "usual range" in suggestion.policy_reason
    corrected = TrackRecord(reviewed=3, unchanged=2, corrected_fields=frozenset({"payment.kid"}))
    assert not decide(policy, invoice, suggestion, evidence=_usual(corrected)).auto_approvable


def _usual(track: TrackRecord, *amounts: str) -> SupplierEvidence:
    """The track record, and earlier invoices whose amounts make 1000 a usual one."""
    totals = tuple(Decimal(a) for a in amounts or ("900", "1100"))
    return SupplierEvidence(track=track, habit=Habit(totals=totals))


def test_an_earned_supplier_s_pdf_of_an_unusual_amount_waits() -> None:
    """GIVEN a supplier that earned its PDFs WHEN one asks for far more than it ever has
    THEN it waits for a person, and the reason gives the usual range."""
    invoice, suggestion = _case()
    _read_from_pdf(invoice, 0.999)
    invoice.totals.net = Decimal("5000")
    policy = AutoApprovalPolicy(enabled=True, threshold=0.99)
    clean = _usual(TrackRecord(reviewed=3, unchanged=3), "900", "1100")
    assert not decide(policy, invoice, suggestion, evidence=clean).auto_approvable
    assert "outside its usual range (900 to 1100)" in suggestion.policy_reason


def test_values_people_approved_settle_the_reader_s_doubt() -> None:
    """The org.nr read at 0.6 but the same as on the supplier's approved invoices counts as
    confirmed; a different bank account is a contradiction (misread or changed): even odds
    at best, whatever the reader thought of it."""
    invoice, suggestion = _case()
    invoice.set_field("seller.org_number", "976967631", confidence=0.6, source=Source.PDF_TEXT)
    invoice.set_field("payment.bank_account", "15030212344", confidence=0.6, source=Source.PDF_TEXT)
    confirmed = {"seller.org_number": "976967631", "payment.bank_account": "86011117947"}
    track = TrackRecord(reviewed=3, unchanged=3, confirmed=confirmed)
    decide(AutoApprovalPolicy(enabled=True), invoice, suggestion, evidence=_usual(track))
    assert suggestion.confirmed_fields == ["seller.org_number"]
    assert suggestion.contradicted_fields == {"payment.bank_account": "86011117947"}
    assert suggestion.voucher_confidence == pytest.approx(0.999 * 0.5 * 0.995, rel=1e-6)
    assert not suggestion.auto_approvable


def _runs(hits: int, seen: int) -> RunCalibration:
    return RunCalibration(tuple((hits, seen) for _ in RUN_BINS))


def test_a_run_in_the_books_lends_its_account_the_calibrated_probability() -> None:
    """GIVEN the model 60 % sure of 6900 WHEN the supplier's last 6 invoices went to 6900 and
    such runs continued 97 times in 100 in the company's books THEN 6900 is 97 % sure (the
    Laplace estimate) and the reason names the run; another account, an unusual amount, or a
    run shorter than the company's setting lend nothing."""
    policy = AutoApprovalPolicy(enabled=True, threshold=0.9, habit_after=3)
    habit = Habit(account="6900", run=6, totals=(Decimal("900"), Decimal("1100")))
    evidence = SupplierEvidence(habit=habit, runs=_runs(97, 100))
    invoice, suggestion = _case(confidence=0.6)
    invoice.totals.net = Decimal("1000")
    assert decide(policy, invoice, suggestion, evidence=evidence).auto_approvable
    assert suggestion.lines[0].confidence == pytest.approx(98 / 102)
    assert "last 6 invoices went to account 6900" in suggestion.policy_reason

    elsewhere = SupplierEvidence(habit=Habit("6300", 6, habit.totals), runs=_runs(97, 100))
    invoice, suggestion = _case(confidence=0.6)
    invoice.totals.net = Decimal("1000")
    assert not decide(policy, invoice, suggestion, evidence=elsewhere).auto_approvable
    assert suggestion.lines[0].confidence == 0.6

    invoice, suggestion = _case(confidence=0.6)
    invoice.totals.net = Decimal("9000")
    assert not decide(policy, invoice, suggestion, evidence=evidence).auto_approvable

    invoice, suggestion = _case(confidence=0.6)
    invoice.totals.net = Decimal("1000")
    stricter = AutoApprovalPolicy(enabled=True, threshold=0.9, habit_after=7)
    assert not decide(stricter, invoice, suggestion, evidence=evidence).auto_approvable


# -- amounts in the company's currency --------------------------------------------------


def _eur(payable: str, rate: str | None) -> tuple[Invoice, Suggestion, CompanyRate]:
    invoice, suggestion = _case(payable=payable)
    invoice.currency = "EUR"
    money = CompanyRate("NOK", "EUR", Decimal(rate) if rate is not None else None)
    return invoice, suggestion, money


def test_a_foreign_invoice_is_held_against_the_limit_at_the_stored_rate() -> None:
    policy = AutoApprovalPolicy(enabled=True, max_amount=Decimal(10000))
    invoice, suggestion, money = _eur("950", "11.50")  # 10 925 NOK: above, though 950 is not
    assert not decide(policy, invoice, suggestion, money=money).auto_approvable
    assert "limit of 10000" in suggestion.policy_reason
    invoice, suggestion, money = _eur("850", "11.50")  # 9 775 NOK
    assert decide(policy, invoice, suggestion, money=money).auto_approvable


def test_a_foreign_invoice_without_a_stored_rate_waits_and_says_why() -> None:
    policy = AutoApprovalPolicy(enabled=True, max_amount=Decimal(10000))
    invoice, suggestion, money = _eur("10", None)
    assert not decide(policy, invoice, suggestion, money=money).auto_approvable
    assert "EUR" in suggestion.policy_reason and "no exchange rate to NOK" in (
        suggestion.policy_reason
    )
    unlimited = AutoApprovalPolicy(enabled=True, max_amount=None)
    assert decide(unlimited, invoice, suggestion, money=money).auto_approvable


# -- a supplier whose usual amounts are above the limit ---------------------------------


def _booked(*totals: int) -> SupplierEvidence:
    return SupplierEvidence(habit=Habit(totals=tuple(Decimal(t) for t in totals)))


@pytest.mark.parametrize(
    ("payable", "totals", "approved", "reason"),
    [
        ("30000", (24000, 36000, 28000), True, "threshold"),  # usual: up to usual_max_amount
        ("60000", (24000, 36000, 28000), False, "auto-approval limit of 10000"),  # unusual
        ("55000", (40000, 60000), False, "limit of 50000 for a supplier whose usual amounts"),
        ("30000", (4000, 6000, 5000), False, "limit of 10000"),  # its usual amounts are small
        ("30000", (), False, "limit of 10000"),  # no books to say what is usual
    ],
)
def test_a_supplier_usually_above_the_limit_posts_itself_within_its_usual_range(
    payable: str, totals: tuple[int, ...], approved: bool, reason: str
) -> None:
    invoice, suggestion = _case(payable=payable)
    policy = AutoApprovalPolicy(
        enabled=True, max_amount=Decimal(10000), usual_max_amount=Decimal(50000)
    )
    decided = decide(policy, invoice, suggestion, evidence=_booked(*totals))
    assert decided.auto_approvable is approved
    assert reason in suggestion.policy_reason


def test_the_usual_limit_is_never_above_itself_nor_below_the_limit() -> None:
    invoice, suggestion = _case(payable="120000")
    policy = AutoApprovalPolicy(enabled=True, max_amount=Decimal(10000))  # default 100 000
    assert not decide(policy, invoice, suggestion, evidence=_booked(110000, 130000)).auto_approvable
    assert "limit of 100000" in suggestion.policy_reason
    low = AutoApprovalPolicy(enabled=True, max_amount=Decimal(10000), usual_max_amount=Decimal(0))
    invoice, suggestion = _case(payable="20000")
    assert not decide(low, invoice, suggestion, evidence=_booked(18000, 22000)).auto_approvable
    assert "auto-approval limit of 10000" in suggestion.policy_reason


def test_the_usual_range_is_judged_in_the_company_currency() -> None:
    policy = AutoApprovalPolicy(
        enabled=True, max_amount=Decimal(10000), usual_max_amount=Decimal(50000)
    )
    invoice, suggestion, money = _eur("2600", "11.50")  # 29 900 NOK, usual for this supplier
    evidence = _booked(24000, 36000)
    assert decide(policy, invoice, suggestion, evidence=evidence, money=money).auto_approvable
