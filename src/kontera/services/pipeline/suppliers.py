"""Who sent this invoice, have we seen it before, and is it asking to be paid somewhere new?"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from kontera.domain.invoice import DocumentType
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Severity
from kontera.domain.invoice import note
from kontera.domain.messages import msg
from kontera.domain.status import Status
from kontera.interpret.matching import KnownSupplier
from kontera.interpret.matching import SeenInvoice
from kontera.interpret.matching import invoice_accounts
from kontera.interpret.matching import match_supplier
from kontera.interpret.matching import same_name_notes
from kontera.interpret.matching import shared_account_notes
from kontera.interpret.name_doubt import settle_name_doubt
from kontera.store.tables import Document
from kontera.store.tables import PostingHistory
from kontera.store.tables_interpret import Supplier
from kontera.store.tables_interpret import SupplierBankAccount
from kontera.store.types import utcnow

RECENT_DOCUMENTS = 500


def known_suppliers(
    session: Session, *, company_id: str, confirmed_only: bool = True
) -> list[KnownSupplier]:
    """The company's suppliers with their bank accounts: those a person confirmed by approving
    an invoice (what a supplier is known to use), or every one ever registered."""
    suppliers = session.exec(select(Supplier).where(Supplier.company_id == company_id)).all()
    accounts: dict[str, list[str]] = {}
    if suppliers:
        query = select(SupplierBankAccount).where(
            col(SupplierBankAccount.supplier_id).in_([s.id for s in suppliers])
        )
        if confirmed_only:
            query = query.where(col(SupplierBankAccount.confirmed))
        rows = session.exec(query).all()
        for row in rows:
            accounts.setdefault(row.supplier_id, []).append(row.account)
    return [
        KnownSupplier(
            supplier_id=s.id,
            name=s.name or "",
            org_number=s.org_number,
            vat_id=s.vat_id,
            bank_accounts=tuple(accounts.get(s.id, ())),
        )
        for s in suppliers
    ]


def recognise_supplier(
    session: Session, *, document: Document, invoice: Invoice
) -> Supplier | None:
    """Match the seller to a known supplier (notes go on the invoice) or register a new one.

    A same-named supplier with another org.nr, and an account registered to another supplier,
    are warned of (`interpret.matching`): such invoices wait for a person, never for bulk."""
    known = known_suppliers(session, company_id=document.company_id)
    match = match_supplier(invoice, known)
    if match is not None:
        for note in match.notes:
            invoice.add_note(note)
        settle_name_doubt(invoice, match)
        supplier = session.get(Supplier, match.supplier.supplier_id)
    else:
        for note in same_name_notes(invoice, known):
            invoice.add_note(note)
        supplier = _register(session, document=document, invoice=invoice)
    every_account = known_suppliers(session, company_id=document.company_id, confirmed_only=False)
    for note in shared_account_notes(invoice, every_account, supplier.id if supplier else None):
        invoice.add_note(note)
    if supplier is not None:
        _record_accounts(session, supplier, invoice, confirmed=False)
        document.supplier_key = supplier.key
    return supplier


def _register(session: Session, *, document: Document, invoice: Invoice) -> Supplier | None:
    if not document.supplier_key:
        return None
    existing = session.exec(
        select(Supplier).where(
            Supplier.company_id == document.company_id, Supplier.key == document.supplier_key
        )
    ).first()
    if existing is not None:
        return existing
    supplier = Supplier(
        company_id=document.company_id,
        key=document.supplier_key,
        name=invoice.seller.name,
        org_number=invoice.seller.org_number,
        vat_id=invoice.seller.vat_id,
    )
    session.add(supplier)
    session.flush()
    name = invoice.seller.name or msg("this supplier")
    if _in_the_books(session, document.company_id, document.supplier_key):
        # Not new to the company (its posting history names it), only to Kontera: the bank
        # account is what nobody has vouched for yet.
        text = msg(
            "{supplier} is in the company's books, but this is its first invoice in "
            "Kontera: check the bank account before approving.",
            supplier=name,
        )
    else:
        text = msg(
            "First invoice from {supplier}: check the supplier "
            "and the bank account before approving.",
            supplier=name,
        )
    invoice.add_note(note(text, Severity.INFO, code="new_supplier"))
    return supplier


def _in_the_books(session: Session, company_id: str, key: str) -> bool:
    query = select(PostingHistory.id).where(
        PostingHistory.company_id == company_id, PostingHistory.supplier_key == key
    )
    return session.exec(query.limit(1)).first() is not None


def _record_accounts(
    session: Session, supplier: Supplier, invoice: Invoice, *, confirmed: bool
) -> None:
    for account in sorted(invoice_accounts(invoice)):
        row = session.exec(
            select(SupplierBankAccount).where(
                SupplierBankAccount.supplier_id == supplier.id,
                SupplierBankAccount.account == account,
            )
        ).first()
        if row is None:
            session.add(
                SupplierBankAccount(supplier_id=supplier.id, account=account, confirmed=confirmed)
            )
            continue
        row.last_seen, row.times_seen = utcnow(), row.times_seen + 1
        row.confirmed = row.confirmed or confirmed
        session.add(row)


def confirm_accounts(session: Session, *, document: Document, invoice: Invoice) -> None:
    """An approved invoice vouches for the bank accounts it carries."""
    if not document.supplier_key:
        return
    supplier = session.exec(
        select(Supplier).where(
            Supplier.company_id == document.company_id, Supplier.key == document.supplier_key
        )
    ).first()
    if supplier is not None:
        _record_accounts(session, supplier, invoice, confirmed=True)


def seen_invoices(session: Session, *, document: Document) -> Sequence[SeenInvoice]:
    if not document.supplier_key:
        return []
    rows = session.exec(
        select(Document)
        .where(
            Document.company_id == document.company_id,
            Document.supplier_key == document.supplier_key,
            Document.id != document.id,
            col(Document.status).not_in([Status.DUPLICATE.value, Status.REJECTED.value]),
            col(Document.invoice_number).is_not(None),
        )
        .order_by(col(Document.received_at).desc())
        .limit(RECENT_DOCUMENTS)
    ).all()
    return [
        SeenInvoice(
            document_id=row.id,
            supplier_key=row.supplier_key or "",
            invoice_number=row.invoice_number,
            gross=row.gross,
            issue_date=row.issue_date,
            kid=row.kid,
            document_type=_doc_type(row.document_type),
        )
        for row in rows
    ]


def _doc_type(value: str | None) -> DocumentType:
    return DocumentType(value) if value else DocumentType.INVOICE
