"""Is this invoice addressed to the company that received it?

An e-invoice names its buyer by org.nr (BT-47), VAT id (BT-48) and Peppol endpoint (BT-49);
when it names the buyer by any identifier that can be compared with an organisation number and
none of them is the company's, the invoice is someone else's: a misrouted invoice, or one sent
to make a company pay another's bill. Identifiers that cannot be compared (a GLN, a customer
number) and invoices that name no buyer identifier at all (most PDFs) are not judged.
"""

from __future__ import annotations

from kontera.domain import identifiers as ids
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Note
from kontera.domain.invoice import Party
from kontera.domain.invoice import Severity
from kontera.domain.invoice import note
from kontera.domain.messages import msg

# Peppol endpoint schemes (EAS) whose value is an organisation number: Norwegian
# Enhetsregisteret (0192, and 9908 of EHF 2.0), Swedish organisationsnummer (0007), and the
# Swedish VAT number (9955).
_ORG_SCHEMES = {"0192", "9908", "0007"}
_VAT_SCHEMES = {"9955"}

ADDRESSED_ELSEWHERE = "addressed_to_someone_else"


def buyer_org_numbers(buyer: Party) -> set[str]:
    """The organisation numbers the buyer is named by (digits only)."""
    found: set[str] = set()
    if buyer.org_number and len(ids.digits(buyer.org_number)) in (9, 10):
        found.add(ids.digits(buyer.org_number))
    if buyer.vat_id:
        found |= _orgs_in_vat_id(buyer.vat_id)
    scheme, _, value = (buyer.endpoint_id or "").partition(":")
    if value and scheme in _ORG_SCHEMES:
        found.add(ids.digits(value))
    elif value and scheme in _VAT_SCHEMES:
        found |= _orgs_in_vat_id(value)
    return {org for org in found if org}


def _orgs_in_vat_id(vat_id: str) -> set[str]:
    value = ids.normalise_vat_id(vat_id)
    if value.startswith("NO"):
        org = ids.org_number_from_no_vat_id(value)
        return {org} if org else {ids.digits(value)[:9]}
    if value.startswith("SE") and len(ids.digits(value)) == 12:
        return {ids.digits(value)[:10]}
    return set()


def recipient_note(invoice: Invoice, company_name: str, org_number: str | None) -> Note | None:
    """A WARNING when the invoice names a buyer by org.nr and it is not this company."""
    if not org_number or not ids.digits(org_number):
        return None
    named = buyer_org_numbers(invoice.buyer)
    if not named or ids.digits(org_number) in named:
        return None
    who = invoice.buyer.name or ", ".join(sorted(named))
    return note(
        msg(
            "This invoice is addressed to someone else: {who} ({named}), not {company} "
            "({org}). Send it back to the supplier or forward it; do not pay it from this "
            "company.",
            who=who,
            named=tuple(sorted(named)),
            company=company_name,
            org=ids.digits(org_number),
        ),
        Severity.WARNING,
        ADDRESSED_ELSEWHERE,
        field="buyer.org_number",
    )
