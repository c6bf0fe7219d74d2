"""Who an invoice is addressed to: the buyer's org.nr in each form an e-invoice may give it."""

from __future__ import annotations

import pytest

from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Party
from kontera.domain.invoice import Severity
from kontera.interpret.fields.recipient import buyer_org_numbers
from kontera.interpret.fields.recipient import recipient_note
from kontera.interpret.matching import KnownSupplier
from kontera.interpret.matching import match_supplier
from kontera.interpret.matching import same_name_notes
from kontera.interpret.matching import shared_account_notes


@pytest.mark.parametrize(
    ("buyer", "org"),
    [
        (Party(org_number="999 999 905"), "999999905"),
        (Party(vat_id="NO999999905MVA"), "999999905"),
        (Party(endpoint_id="0192:999999905"), "999999905"),
        (Party(endpoint_id="9908:999999905"), "999999905"),
        (Party(vat_id="SE556036079301"), "5560360793"),
        (Party(endpoint_id="0007:5560360793"), "5560360793"),
        (Party(endpoint_id="9955:SE556036079301"), "5560360793"),
    ],
)
def test_the_buyer_is_named_by_org_number_vat_id_or_endpoint(buyer: Party, org: str) -> None:
    assert buyer_org_numbers(buyer) == {org}


def test_identifiers_that_are_not_org_numbers_are_not_judged() -> None:
    invoice = Invoice(buyer=Party(name="Kunde", endpoint_id="0088:7080003837507"))
    assert recipient_note(invoice, "Demo AS", "999999905") is None


def test_another_org_number_is_someone_else_and_any_match_is_ours() -> None:
    invoice = Invoice(buyer=Party(name="Annen AS", org_number="923609016"))
    note = recipient_note(invoice, "Demo AS", "999999905")
    assert note is not None and note.severity is Severity.WARNING
    invoice.buyer.endpoint_id = "0192:999999905"  # the company's endpoint, another's org.nr
    assert recipient_note(invoice, "Demo AS", "999999905") is None


FJELLNETT = KnownSupplier(
    "s1", "Fjellnett Telekom AS", org_number="971731974", bank_accounts=("15030212344",)
)
KNOWN = [FJELLNETT, KnownSupplier("s2", "Nordlys Kraft AS", org_number="923456783")]


def test_a_same_named_company_with_another_org_number_is_not_matched_but_warned() -> None:
    invoice = Invoice(seller=Party(name="Fjellnett Telekom AS", org_number="987784792"))
    assert match_supplier(invoice, KNOWN) is None
    (note,) = same_name_notes(invoice, KNOWN)
    assert note.code == "same_name_other_org"
    assert "987784792" in note.message and "971731974" in note.message


def test_the_same_company_by_name_alone_is_still_matched() -> None:
    match = match_supplier(Invoice(seller=Party(name="Fjellnett Telekom AS")), KNOWN)
    assert match is not None and match.supplier.supplier_id == "s1"


def test_an_account_of_another_supplier_is_warned_but_not_the_suppliers_own() -> None:
    invoice = Invoice(seller=Party(name="Nordlys Kraft AS", org_number="923456783"))
    invoice.payment.bank_account = "1503.02.12344"
    (note,) = shared_account_notes(invoice, KNOWN, "s2")
    assert note.code == "bank_account_of_other_supplier" and "Fjellnett" in note.message
    own = Invoice(seller=Party(name="Fjellnett Telekom AS", org_number="971731974"))
    own.payment.bank_account = "15030212344"
    assert shared_account_notes(own, KNOWN, "s1") == []
