from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kontera.domain import identifiers
from kontera.domain.errors import InvalidTransition
from kontera.domain.errors import UnbalancedVoucher
from kontera.domain.filetypes import FileKind
from kontera.domain.filetypes import sniff
from kontera.domain.status import Status
from kontera.domain.status import check_transition
from kontera.domain.voucher import Posting
from kontera.domain.voucher import Voucher


def test_a_voucher_must_balance() -> None:
    voucher = Voucher(
        date(2026, 1, 1),
        "x",
        [Posting("6900", Decimal("125.00")), Posting("2400", Decimal("-125.00"))],
    )
    voucher.check_balanced()
    voucher.postings.append(Posting("2710", Decimal("0.01")))
    with pytest.raises(UnbalancedVoucher, match=r"off by 0\.01"):
        voucher.check_balanced()


def test_status_moves_only_forward() -> None:
    check_transition(Status.RECEIVED, Status.INTERPRETED)
    with pytest.raises(InvalidTransition):
        check_transition(Status.POSTED, Status.APPROVED)
    with pytest.raises(InvalidTransition):
        check_transition(Status.RECEIVED, Status.APPROVED)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n...", FileKind.PDF),
        (b"\x89PNG\r\n\x1a\n....", FileKind.PNG),
        (b'<?xml version="1.0"?>\n<Invoice xmlns="urn:x">', FileKind.UBL),
        (b"<rsm:CrossIndustryInvoice xmlns:rsm='x'>", FileKind.CII),
        (b"<CreditNote>", FileKind.UBL),
        (b"\x00\x01garbage", FileKind.UNKNOWN),
        (b"From: a@b.no\r\nSubject: x\r\n\r\nbody", FileKind.EMAIL),
    ],
)
def test_sniffing_reads_the_bytes_not_the_name(data: bytes, kind: FileKind) -> None:
    assert sniff(data) is kind


def test_identifiers_use_check_digits() -> None:
    assert identifiers.valid_no_org_number("923609016")
    assert not identifiers.valid_no_org_number("923609017")
    assert identifiers.valid_vat_id("NO923609016MVA")
    assert not identifiers.valid_vat_id("Foretaksregisteret")
    assert identifiers.valid_iban("NO9386011117947")
    assert not identifiers.valid_iban("NO9386011117948")
    assert identifiers.valid_kid("12345678903")  # Luhn
    assert identifiers.org_number_from_no_vat_id("NO 923 609 016 MVA") == "923609016"
