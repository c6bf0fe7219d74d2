"""Suggest postings for an interpreted invoice from the company's own history."""

from __future__ import annotations

from sqlmodel import Session

from kontera.domain.invoice import Invoice
from kontera.domain.suggestion import Suggestion
from kontera.store import repo
from kontera.store.tables import Company
from kontera.suggest.baseline import HistoryRow
from kontera.suggest.baseline import SupplierMajority


def suggest_postings(
    session: Session, *, company: Company, invoice: Invoice, supplier_key: str | None
) -> Suggestion:
    rows = (
        repo.supplier_history(session, company_id=company.id, supplier_key=supplier_key)
        if supplier_key
        else []
    )
    model = SupplierMajority(
        HistoryRow(
            supplier_key=row.supplier_key,
            supplier_name=row.supplier_name or row.supplier_key,
            account=row.account,
            vat_code=row.vat_code,
            description=row.description or "",
        )
        for row in rows
    )
    suggestion = model.suggest(invoice, supplier_key or "")
    suggestion.payable_account = "2440" if company.country == "SE" else "2400"
    return suggestion
