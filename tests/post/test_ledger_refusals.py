"""The fakes refuse what the real ledgers refuse, and the connector returns it in words.

Each case changes one thing in an otherwise accepted posting: an inactive account, a VAT code
the account does not take, a closed/locked period, a supplier that does not exist, postings
that do not balance, a wrong sign. The job ends `failed` with the ledger's own message (the
queue shows it as the reason; tests/services/test_posting_refusals.py follows it there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from kontera.domain.errors import PermanentError
from kontera.domain.voucher import Voucher
from kontera.post.connector import AttachmentFile
from kontera.post.fortnox import FortnoxMode
from kontera.post.job import PostingJob
from kontera.post.job import Step
from kontera.post.job import advance
from kontera.post.rows import Row
from kontera.post.rows import explicit_vat_rows
from kontera.post.voucher_builder import VoucherOptions
from kontera.post.voucher_builder import build_voucher
from tests.post.conftest import make_invoice
from tests.post.harness import Rig
from tests.post.harness import fortnox_rig
from tests.post.harness import poweroffice_rig
from tests.post.harness import tripletex_rig

PDF = AttachmentFile(b"%PDF-1.4 test", "faktura.pdf", "application/pdf")


def no_voucher() -> Voucher:
    invoice, approved = make_invoice([("1000.00", "25", "6300"), ("80.00", "15", "4000")])
    return build_voucher(invoice, approved)


def se_voucher() -> Voucher:
    invoice, approved = make_invoice(
        [("1000.00", "25", "5410")], currency="SEK", org="5560360793", name="Göta AB"
    )
    approved = [replace(p, vat_code="SE25") for p in approved]
    return build_voucher(invoice, approved, VoucherOptions.for_country("SE"))


def run(rig: Rig, voucher: Voucher) -> PostingJob:
    job = advance(
        PostingJob("k-1", rig.connector.name), rig.connector, voucher, PDF, lambda j: None
    )
    assert job.step is Step.FAILED, "the ledger accepted it"
    assert job.last_error
    return job


def unbalanced(voucher: Voucher) -> Voucher:
    """What a careless client would send: the job checks balance before sending, so the
    connector is called directly with a posting off by 1.00."""
    voucher.postings[0].amount += Decimal("1.00")
    return voucher


def sent_directly(rig: Rig, voucher: Voucher) -> str:
    with pytest.raises(Exception) as refused:
        rig.connector.create_voucher(voucher, "k-1")
    return str(refused.value)


Case = tuple[Callable[[], Rig], Callable[[Rig], None], Callable[[], Voucher], str]


def _set(**values: Any) -> Callable[[Rig], None]:
    def apply(rig: Rig) -> None:
        for name, value in values.items():
            setattr(rig.fake, name, value)

    return apply


def _no_change(rig: Rig) -> None:
    return None


def _flip_line_sign(voucher: Voucher) -> Voucher:
    cost = voucher.postings[1]
    cost.amount, cost.net_amount = -cost.amount, -(cost.net_amount or Decimal(0))
    cost.vat_amount = -(cost.vat_amount or Decimal(0))
    voucher.postings[-1].amount += 2 * -cost.amount  # still balanced: only the sign is wrong
    return voucher


def _unknown_supplier(rig: Rig) -> None:
    rig.connector._supplier = lambda org, payee: _ghost(rig)  # type: ignore[method-assign]


def _ghost(rig: Rig) -> Any:
    from kontera.post.poweroffice import _Supplier

    return _Supplier(subledger_id=99999, contact_id=99999)


TRIPLETEX_CASES = {
    "inactive account": (_set(inactive_accounts={"6300"}), no_voucher, "inaktiv"),
    "VAT code the account does not take": (
        _set(vat_locked={"6300": "0"}),
        no_voucher,
        "Mva-koden 1 er ikke gyldig for konto 6300",
    ),
    "closed period": (_set(closed_until=date(2026, 11, 30)), no_voucher, "Perioden er lukket"),
}


@pytest.mark.parametrize("case", sorted(TRIPLETEX_CASES))
def test_tripletex_refusals(case: str) -> None:
    change, voucher, words = TRIPLETEX_CASES[case]
    rig = tripletex_rig()
    change(rig)
    job = run(rig, voucher())
    assert words in (job.last_error or "")


def test_tripletex_refuses_an_unknown_supplier_an_unbalanced_voucher_and_a_sign_mismatch() -> None:
    rig = tripletex_rig()
    rig.connector._ids[("supplier", "923609016")] = 424242  # a supplier id Tripletex lacks
    assert "Leverandøren finnes ikke" in run(rig, no_voucher()).last_error  # type: ignore[operator]

    rig = tripletex_rig()
    assert "ikke i balanse" in sent_directly(rig, unbalanced(no_voucher()))

    rig = tripletex_rig()
    # NOK amounts with the opposite sign of the currency amounts (still balanced).
    rig.connector._base_amounts = lambda v: [-p.amount for p in v.postings]  # type: ignore[method-assign]
    assert "samme fortegn" in sent_directly(rig, no_voucher())


POWEROFFICE_CASES = {
    "inactive account": (_set(inactive_accounts={"6300"}), "Konto 6300 er inaktiv"),
    "VAT code the account does not take": (
        _set(vat_locked={"6300": "0"}),
        "Mva-kode 1 kan ikke brukes på konto 6300",
    ),
    "locked period": (_set(lock_date=date(2026, 11, 30)), "låst periode"),
    "unknown supplier": (_unknown_supplier, "Leverandøren finnes ikke"),
}


@pytest.mark.parametrize("case", sorted(POWEROFFICE_CASES))
def test_poweroffice_refusals(case: str) -> None:
    change, words = POWEROFFICE_CASES[case]
    rig = poweroffice_rig()
    change(rig)
    job = run(rig, no_voucher())
    assert words in (job.last_error or "")


def test_poweroffice_refuses_an_unbalanced_voucher_and_sends_a_negative_line_positive() -> None:
    rig = poweroffice_rig()
    assert "Linjene summerer" in sent_directly(rig, unbalanced(no_voucher()))
    # Go refuses negative line amounts (the fake too: "feil fortegn"); a discount line is
    # sent on the other side, positive, and the voucher still adds up.
    rig = poweroffice_rig()
    voucher_id = rig.connector.create_voucher(_flip_line_sign(no_voucher()), "k-1")
    lines = rig.fake.vouchers[voucher_id]["SupplierVoucherLines"]
    (discount,) = [line for line in lines if "CreditAccountId" in line]
    assert Decimal(str(discount["CurrencyAmount"])) > 0


FORTNOX_CASES = {
    "inactive account": (_set(inactive_accounts={5410}), "5410 är inaktivt"),
    "locked period": (_set(locked_until=date(2026, 11, 30)), "låst"),
}


@pytest.mark.parametrize("mode", [FortnoxMode.VOUCHER, FortnoxMode.SUPPLIER_INVOICE])
@pytest.mark.parametrize("case", sorted(FORTNOX_CASES))
def test_fortnox_refusals(case: str, mode: FortnoxMode) -> None:
    change, words = FORTNOX_CASES[case]
    rig = fortnox_rig(mode=mode)
    change(rig)
    job = run(rig, se_voucher())
    assert words in (job.last_error or "")


def test_fortnox_refuses_an_unknown_supplier_an_unbalanced_voucher_and_a_wrong_sign() -> None:
    rig = fortnox_rig(mode=FortnoxMode.SUPPLIER_INVOICE)
    rig.connector._suppliers["5560360793"] = "999"  # a supplier number Fortnox lacks
    assert "Leverantören finns inte" in run(rig, se_voucher()).last_error  # type: ignore[operator]

    rig = fortnox_rig()  # Kontera's own row builder refuses first: send the rows by hand
    voucher = se_voucher()
    rows = explicit_vat_rows(voucher)
    rows[0] = Row(rows[0].account, rows[0].amount + Decimal("1.00"), rows[0].description)
    body = {"Voucher": rig.connector._voucher_body(voucher, rows, "k-1")}
    with pytest.raises(PermanentError, match="inte i balans"):
        rig.connector._call("POST", "/3/vouchers", params={"financialyear": 2}, json=body)

    rig = fortnox_rig(mode=FortnoxMode.SUPPLIER_INVOICE)
    assert "kreditfaktura" in sent_directly(rig, _as_credit_flag(rig, se_voucher()))


def _as_credit_flag(rig: Rig, voucher: Voucher) -> Voucher:
    """Send an invoice (positive Total) marked `Credit: true`: the sign and the flag disagree."""
    original = rig.connector._invoice_body

    def body(*args: Any, **kwargs: Any) -> dict[str, Any]:
        built: dict[str, Any] = original(*args, **kwargs)
        built["Credit"] = True
        return built

    rig.connector._invoice_body = body  # type: ignore[method-assign]
    return voucher
