"""Pure matching: which known supplier sent this invoice, and have we seen this invoice before?

Supplier: by VAT id or org.nr first (exact, the strongest evidence), then by bank account,
then by name (fuzzy, rapidfuzz). An identifier outranks everything else: a known supplier whose
org.nr or VAT id differs from the invoice's is another company, however alike the name or the
account — a same-named company is warned of ("same_name_other_org") and becomes a supplier of
its own. A known supplier asking to be paid into an account that is not one of theirs is the
classic invoice fraud: a loud WARNING note, code "bank_account_changed"; so is an account
already registered to another supplier ("bank_account_of_other_supplier").

Duplicates: the same supplier and invoice number (across formats and channels: EHF and the
mailed PDF of it, a forwarded copy) is a duplicate; amount, issue date and KID are the
evidence that turns "same number" into "same invoice" and that finds a duplicate whose number
was misread. A credit note is linked to the invoice it credits by its preceding-invoice
reference. The caller (services) supplies the candidates from the store; nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal

from rapidfuzz import fuzz

from kontera.domain import identifiers as ids
from kontera.domain.invoice import DocumentType
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Note
from kontera.domain.invoice import Severity
from kontera.domain.invoice import note
from kontera.domain.messages import msg
from kontera.domain.suppliers import supplier_key as domain_supplier_key

NAME_THRESHOLD = 88.0
_LEGAL_FORMS = re.compile(
    r"\b(as|asa|ab|a/s|aps|oy|oyj|gmbh|ag|ltd|limited|inc|sa|ans|da|enk)\b\.?", re.I
)


@dataclass(frozen=True, slots=True)
class KnownSupplier:
    supplier_id: str
    name: str
    org_number: str | None = None
    vat_id: str | None = None
    bank_accounts: tuple[str, ...] = ()  # NO account numbers, IBANs, bankgiro/plusgiro


@dataclass(frozen=True, slots=True)
class SupplierMatch:
    supplier: KnownSupplier
    method: str  # "vat_id", "org_number", "bank_account" or "name"
    score: float  # 0..1
    notes: tuple[Note, ...] = field(default=())


def match_supplier(invoice: Invoice, known: Sequence[KnownSupplier]) -> SupplierMatch | None:
    match = _by_identifier(invoice, known)
    if match is None:
        compatible = [s for s in known if not _other_company(invoice, s)]
        match = _by_account(invoice, compatible) or _by_name(invoice, compatible)
    if match is None:
        return None
    return SupplierMatch(
        match.supplier, match.method, match.score, tuple(_account_warnings(invoice, match))
    )


def _by_identifier(invoice: Invoice, known: Sequence[KnownSupplier]) -> SupplierMatch | None:
    vat = _vat(invoice.seller.vat_id)
    org = _org(invoice.seller.org_number) or _org_from_vat(vat)
    for supplier in known:
        if vat and _vat(supplier.vat_id) == vat:
            return SupplierMatch(supplier, "vat_id", 1.0)
        if org and org in _orgs(supplier):
            return SupplierMatch(supplier, "org_number", 1.0)
    return None


def _orgs(supplier: KnownSupplier) -> set[str]:
    found = {_org(supplier.org_number), _org_from_vat(_vat(supplier.vat_id))}
    return {org for org in found if org}


def _invoice_orgs(invoice: Invoice) -> set[str]:
    found = {_org(invoice.seller.org_number), _org_from_vat(_vat(invoice.seller.vat_id))}
    return {org for org in found if org}


def _other_company(invoice: Invoice, supplier: KnownSupplier) -> bool:
    """Both name an org.nr (or VAT id) and they differ: another company, whatever the name."""
    theirs, ours = _orgs(supplier), _invoice_orgs(invoice)
    if theirs and ours:
        return not theirs & ours
    vat, known_vat = _vat(invoice.seller.vat_id), _vat(supplier.vat_id)
    return bool(vat and known_vat and vat != known_vat)


def _same_company(invoice: Invoice, supplier: KnownSupplier) -> bool:
    if _orgs(supplier) & _invoice_orgs(invoice):
        return True
    vat = _vat(invoice.seller.vat_id)
    return bool(vat and vat == _vat(supplier.vat_id))


def _by_account(invoice: Invoice, known: Sequence[KnownSupplier]) -> SupplierMatch | None:
    accounts = invoice_accounts(invoice)
    if not accounts:
        return None
    for supplier in known:
        if accounts & {_account(a) for a in supplier.bank_accounts}:
            return SupplierMatch(supplier, "bank_account", 0.9)
    return None


def _by_name(invoice: Invoice, known: Sequence[KnownSupplier]) -> SupplierMatch | None:
    scored = _name_scores(invoice, known)
    best = max(scored, key=lambda pair: pair[0], default=(0.0, None))
    if best[1] is None or best[0] < NAME_THRESHOLD:
        return None
    return SupplierMatch(best[1], "name", round(best[0] / 100 * 0.8, 3))


def _name_scores(
    invoice: Invoice, known: Sequence[KnownSupplier]
) -> list[tuple[float, KnownSupplier]]:
    name = _name(invoice.seller.name)
    if not name:
        return []
    return [(fuzz.token_sort_ratio(name, _name(s.name)), s) for s in known]


def same_name_notes(invoice: Invoice, known: Sequence[KnownSupplier]) -> list[Note]:
    """A known supplier with (nearly) the invoice's seller name but another org.nr: filed as
    another supplier, and a person should know — a look-alike name is how false invoices get
    paid to the wrong party."""
    others = [
        supplier
        for score, supplier in _name_scores(invoice, known)
        if score >= NAME_THRESHOLD and _other_company(invoice, supplier)
    ]
    if not others or _by_identifier(invoice, known) is not None:
        return []
    other = others[0]
    ours = invoice.seller.org_number or invoice.seller.vat_id or ""
    theirs = other.org_number or other.vat_id or ""
    return [
        note(
            msg(
                "{seller} ({ours}) has the name of a supplier you already have, {other} "
                "({theirs}), but another organisation number: Kontera keeps it as another "
                "supplier. Check who sent the invoice before approving it.",
                seller=invoice.seller.name,
                ours=ours,
                other=other.name,
                theirs=theirs,
            ),
            Severity.WARNING,
            "same_name_other_org",
            field="seller.org_number",
        )
    ]


def shared_account_notes(
    invoice: Invoice, known: Sequence[KnownSupplier], supplier_id: str | None
) -> list[Note]:
    """An account on this invoice that is registered to another supplier."""
    accounts = invoice_accounts(invoice)
    notes = []
    for other in known:
        if other.supplier_id == supplier_id or _same_company(invoice, other):
            continue
        shared = sorted(accounts & {_account(a) for a in other.bank_accounts})
        if shared:
            notes.append(_shared_account_note(invoice, other, shared))
    return notes[:3]


def _shared_account_note(invoice: Invoice, other: KnownSupplier, shared: list[str]) -> Note:
    seller = invoice.seller.name or msg("this supplier")
    owner = f"{other.name} ({other.org_number or other.vat_id or ''})"
    return note(
        msg(
            "The account {accounts} that {seller} asks to be paid into is registered to "
            "another supplier, {owner}. Check whose account it is before paying.",
            accounts=tuple(shared),
            seller=seller,
            owner=owner,
        ),
        Severity.WARNING,
        "bank_account_of_other_supplier",
        field="payment.bank_account",
    )


def _account_warnings(invoice: Invoice, match: SupplierMatch) -> list[Note]:
    accounts = invoice_accounts(invoice)
    known = {_account(a) for a in match.supplier.bank_accounts}
    if not accounts or not known or match.method == "bank_account" or accounts & known:
        return []
    shown = ", ".join(sorted(accounts))
    return [
        note(
            msg(
                "{supplier} asks to be paid into {accounts}, which is not an account "
                "used by this supplier before. Confirm the change with the supplier by phone "
                "before paying: this is how invoice fraud works.",
                supplier=match.supplier.name,
                accounts=shown,
            ),
            Severity.WARNING,
            "bank_account_changed",
            field="payment.bank_account",
        )
    ]


def invoice_accounts(invoice: Invoice) -> set[str]:
    payment = invoice.payment
    found = {
        _account(a)
        for a in (payment.bank_account, payment.iban, payment.bankgiro, payment.plusgiro)
        if a
    }
    if payment.iban:
        inner = ids.no_bank_account_from_iban(payment.iban)
        if inner:
            found.add(inner)
    return found


def _account(value: str) -> str:
    compact = re.sub(r"[\s.\-]", "", value).upper()
    if compact[:2].isalpha() and ids.valid_iban(compact):
        inner = ids.no_bank_account_from_iban(compact)
        return inner or compact
    return compact


def _vat(value: str | None) -> str | None:
    return ids.normalise_vat_id(value) if value else None


def _org(value: str | None) -> str | None:
    return ids.digits(value) if value else None


def _org_from_vat(vat: str | None) -> str | None:
    return ids.org_number_from_no_vat_id(vat) if vat else None


def _name(value: str | None) -> str:
    return " ".join(_LEGAL_FORMS.sub(" ", value or "").casefold().split())


@dataclass(frozen=True, slots=True)
class SeenInvoice:
    """An invoice already received, as the store knows it."""

    document_id: str
    supplier_key: str  # VAT id, org.nr or normalised name
    invoice_number: str | None
    gross: Decimal | None
    issue_date: date | None
    kid: str | None = None
    document_type: DocumentType = DocumentType.INVOICE


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    document_id: str
    evidence: tuple[str, ...]
    score: float


def supplier_key(invoice: Invoice) -> str:
    """The key a `SeenInvoice` is filed under: the domain's supplier key (org.nr, VAT id, name)."""
    return domain_supplier_key(invoice.seller) or ""


def find_duplicate(
    invoice: Invoice, candidates: Iterable[SeenInvoice], supplier: str | None = None
) -> DuplicateMatch | None:
    """The earlier invoice this one duplicates, if the evidence is strong enough.

    `supplier` is the key of the supplier the invoice was recognised as (by bank account or
    name it may differ from the seller's own identifiers); by default the seller's key."""
    key = supplier or supplier_key(invoice)
    best: DuplicateMatch | None = None
    for seen in candidates:
        if seen.supplier_key != key or seen.document_type != invoice.document_type:
            continue
        evidence = _evidence(invoice, seen)
        score = sum(_WEIGHTS[e] for e in evidence)
        if score >= 1.0 and (best is None or score > best.score):
            best = DuplicateMatch(seen.document_id, tuple(evidence), round(score, 3))
    return best


_WEIGHTS = {"invoice_number": 1.0, "amount": 0.4, "issue_date": 0.3, "kid": 0.6}


def _evidence(invoice: Invoice, seen: SeenInvoice) -> list[str]:
    found = []
    if (
        invoice.invoice_number
        and seen.invoice_number
        and _ref(invoice.invoice_number) == _ref(seen.invoice_number)
    ):
        found.append("invoice_number")
    gross = invoice.totals.payable if invoice.totals.payable is not None else invoice.totals.gross
    if gross is not None and seen.gross is not None and gross == seen.gross:
        found.append("amount")
    if invoice.issue_date and invoice.issue_date == seen.issue_date:
        found.append("issue_date")
    if invoice.payment.kid and invoice.payment.kid == seen.kid:
        found.append("kid")
    return found


def find_credited_invoice(credit_note: Invoice, candidates: Iterable[SeenInvoice]) -> str | None:
    """The document id of the invoice a credit note credits (its preceding-invoice reference)."""
    if credit_note.document_type is not DocumentType.CREDIT_NOTE:
        return None
    wanted = {_ref(r) for r in credit_note.references.preceding_invoices}
    if not wanted:
        return None
    key = supplier_key(credit_note)
    for seen in candidates:
        same_supplier = seen.document_type is DocumentType.INVOICE and seen.supplier_key == key
        if same_supplier and seen.invoice_number and _ref(seen.invoice_number) in wanted:
            return seen.document_id
    return None


def _ref(value: str) -> str:
    return re.sub(r"[\s\-/._]", "", value).upper().lstrip("0")
