"""Demo data for a first look: a company, its history, a key and a few invoices."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

from kontera.services import companies
from kontera.services.context import AppContext
from kontera.services.documents import receive_document
from kontera.services.history import HistoryEntry
from kontera.services.history import import_history
from kontera.store import repo
from kontera.store.db import session_scope

DEMO_COMPANY = "Demo Regnskap AS"
DEMO_ORG = "999999905"
DEMO_SUFFIXES = {".xml", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}


def load_demo(ctx: AppContext, *, fixtures: Path) -> str:
    """Idempotent: a second run adds nothing but a fresh API key."""
    with session_scope(ctx.engine) as session:
        company = repo.find_company(session, name_or_slug=DEMO_COMPANY)
    if company is None:
        company = companies.create_company(ctx, name=DEMO_COMPANY, org_number=DEMO_ORG)
        history = fixtures / "demo" / "history.csv"
        if history.exists():
            import_history(ctx, company_id=company.id, entries=read_canonical_csv(history))
    for path in sorted(_demo_documents(fixtures)):
        receive_document(
            ctx, company_id=company.id, data=path.read_bytes(), filename=path.name, source="demo"
        )
    key = companies.create_api_key(ctx, company_name=company.name, name="demo").key
    return f"Demo company {company.name!r} (slug {company.slug}); API key: {key}"


def _demo_documents(fixtures: Path) -> Iterator[Path]:
    folder = fixtures / "demo"
    if folder.is_dir():
        yield from (p for p in folder.iterdir() if p.suffix.lower() in DEMO_SUFFIXES)


def read_canonical_csv(path: Path) -> Iterator[HistoryEntry]:
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield HistoryEntry(
                account=row["account"],
                entry_date=date.fromisoformat(row["date"]) if row.get("date") else None,
                supplier_id=row.get("supplier_id") or None,
                supplier_name=row.get("supplier_name") or None,
                supplier_org_number=row.get("supplier_org_number") or None,
                description=row.get("description") or None,
                amount=Decimal(row["amount"]) if row.get("amount") else None,
                currency=row.get("currency") or None,
                vat_code=row.get("vat_code") or None,
            )
