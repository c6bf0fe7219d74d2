"""Read models and small use cases behind the review UI's pages besides the queue itself:
one document in detail, the page images' source, per-company auto-approval settings,
suppliers, and what the suggestion models look like.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import InvalidInput
from kontera.services import queries
from kontera.services.context import AppContext
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables import Document
from kontera.store.tables import Interpretation
from kontera.store.tables import PostingHistory
from kontera.store.tables_interpret import Supplier
from kontera.store.tables_interpret import SupplierBankAccount
from kontera.store.tables_interpret import SupplierLayout
from kontera.suggest.history import supplier_key as policy_supplier_key

IMAGE_KINDS = {"png", "jpeg", "tiff"}
BANK_HISTORY = 25  # how many earlier invoices of a supplier are compared for bank accounts
DEFAULT_AUTO_APPROVAL: dict[str, Any] = {
    "enabled": False,
    "threshold": 0.95,
    "max_amount": "10000.00",
    "allow_suppliers": [],
    "deny_suppliers": [],
    "einvoice_only": True,
}


@dataclass(frozen=True, slots=True)
class PageSource:
    """Where the page images of a document come from: a PDF, a picture, or neither."""

    sha256: str | None
    kind: str  # "pdf", "image" or "none"
    page_count: int


def document_detail(ctx: AppContext, *, company_id: str, document_id: str) -> dict[str, Any]:
    view = queries.document_view(ctx, company_id=company_id, document_id=document_id)
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=company_id)
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        view["company"] = {"id": company.id, "name": company.name, "country": company.country}
        view["bank_warning"] = _bank_account_warning(session, document, view.get("invoice"))
    return view


def _bank_account(invoice: dict[str, Any] | None) -> str | None:
    payment = (invoice or {}).get("payment") or {}
    value = payment.get("iban") or payment.get("bank_account") or payment.get("bankgiro")
    return str(value).replace(" ", "") if value else None


def _bank_account_warning(
    session: Any, document: Document, invoice: dict[str, Any] | None
) -> dict[str, Any] | None:
    """A new or changed bank account of a known supplier is the classic invoice fraud."""
    current = _bank_account(invoice)
    if not current or not document.supplier_key:
        return None
    known = _known_bank_accounts(session, document.company_id, document.supplier_key, document.id)
    if not known or current in known:
        return None
    return {"account": current, "known": sorted(known)}


def _known_bank_accounts(
    session: Any, company_id: str, supplier_key: str, exclude_id: str | None
) -> set[str]:
    query = (
        select(Interpretation.payload)
        .join(Document, col(Document.id) == col(Interpretation.document_id))
        .where(
            Document.company_id == company_id,
            Document.supplier_key == supplier_key,
            col(Document.id) != (exclude_id or ""),
            col(Document.status).in_(["approved", "posting", "posted"]),
        )
        .order_by(col(Interpretation.created_at).desc())
        .limit(BANK_HISTORY)
    )
    return {a for payload in session.exec(query).all() if (a := _bank_account(payload))}


def page_source(ctx: AppContext, *, company_id: str, document_id: str) -> PageSource:
    with session_scope(ctx.engine) as session:
        document = repo.get_document(session, company_id=company_id, document_id=document_id)
        row = repo.latest_interpretation(session, document_id=document_id)
    if document.kind == "pdf":
        return PageSource(document.sha256, "pdf", row.page_count if row else 0)
    if row is not None and row.rendering_sha256:
        return PageSource(row.rendering_sha256, "pdf", row.page_count)
    if document.kind in IMAGE_KINDS:
        return PageSource(document.sha256, "image", 1)
    return PageSource(None, "none", 0)


def auto_approval(ctx: AppContext, *, company_id: str) -> dict[str, Any]:
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=company_id)
        return {**DEFAULT_AUTO_APPROVAL, **(company.settings or {}).get("auto_approval", {})}


def save_auto_approval(
    ctx: AppContext, *, company_id: str, policy: dict[str, Any], actor: str
) -> dict[str, Any]:
    clean = _checked_policy(policy)
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=company_id)
        for side in ("allow_suppliers", "deny_suppliers"):
            clean[side] = _supplier_keys(session, company_id, clean[side])
        before = (company.settings or {}).get("auto_approval")
        # A new dict, so SQLAlchemy sees the JSON column change.
        company.settings = {**(company.settings or {}), "auto_approval": clean}
        session.add(company)
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=actor,
            action="settings:auto_approval",
            detail={"before": before, "after": clean},
        )
    return clean


def _checked_policy(policy: dict[str, Any]) -> dict[str, Any]:
    try:
        threshold = float(policy.get("threshold", 0.95))
        max_amount = Decimal(
            str(policy.get("max_amount") or "0").replace(" ", "").replace(",", ".")
        )
    except (ValueError, ArithmeticError) as e:
        raise InvalidInput("Threshold and maximum amount must be numbers.") from e
    if not 0.5 <= threshold <= 1.0:
        raise InvalidInput("The confidence threshold must be between 0.5 and 1.")
    if max_amount < 0:
        raise InvalidInput("The maximum amount cannot be negative.")
    return {
        "enabled": bool(policy.get("enabled")),
        "threshold": threshold,
        "max_amount": str(max_amount.quantize(Decimal("0.01"))),
        "allow_suppliers": _names(policy.get("allow_suppliers")),
        "deny_suppliers": _names(policy.get("deny_suppliers")),
        "einvoice_only": bool(policy.get("einvoice_only")),
    }


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.replace(",", "\n").splitlines()
    return [str(v).strip() for v in value or [] if str(v).strip()]


def _supplier_keys(session: Any, company_id: str, entries: list[str]) -> list[str]:
    """The policy compares supplier keys (`org:…`, `name:…`, as `kontera.suggest` makes them);
    people type an org.nr., a known supplier's name, or a key."""
    keys = []
    for entry in entries:
        if ":" in entry:
            keys.append(entry)
            continue
        digits_only = re.sub(r"[\s.]", "", entry)
        if digits_only.isdigit():
            keys.append(policy_supplier_key(None, digits_only, None))
            continue
        known = session.exec(
            select(Supplier).where(
                Supplier.company_id == company_id, func.lower(Supplier.name) == entry.lower()
            )
        ).first()
        org = known.org_number if known is not None else None
        keys.append(policy_supplier_key(None, org, entry))
    return sorted(set(keys))


@dataclass(frozen=True, slots=True)
class SupplierView:
    key: str
    name: str
    org_number: str | None
    documents: int
    default_account: str | None
    history_lines: int
    bank_accounts: list[tuple[str, bool]]  # (account, confirmed by an approval)
    layout_fields: list[str]


def suppliers(ctx: AppContext, *, company_id: str, limit: int = 300) -> list[SupplierView]:
    """The company's known suppliers (registered as their invoices arrive), busiest first."""
    with session_scope(ctx.engine) as session:
        known = session.exec(
            select(Supplier).where(Supplier.company_id == company_id).limit(limit)
        ).all()
        counts = _count_by(session, Document.supplier_key, Document.company_id, company_id)
        history = _count_by(
            session, PostingHistory.supplier_key, PostingHistory.company_id, company_id
        )
        banks = _bank_accounts(session, [s.id for s in known])
        layouts = _layout_fields(session, company_id)
        found = [
            SupplierView(
                key=s.key,
                name=s.name or s.key,
                org_number=s.org_number,
                documents=counts.get(s.key, 0),
                default_account=s.default_account or _usual_account(session, company_id, s.key),
                history_lines=history.get(s.key, 0),
                bank_accounts=banks.get(s.id, []),
                layout_fields=_fields_of(layouts, (s.vat_id, s.org_number, s.name)),
            )
            for s in known
        ]
    return sorted(found, key=lambda v: (-v.documents, v.name))


def _count_by(session: Any, key: Any, company: Any, company_id: str) -> dict[str, int]:
    query = select(key, func.count()).where(company == company_id).group_by(key)
    return {k: n for k, n in session.exec(query).all() if k}


def _bank_accounts(session: Any, supplier_ids: list[str]) -> dict[str, list[tuple[str, bool]]]:
    rows = session.exec(
        select(SupplierBankAccount).where(col(SupplierBankAccount.supplier_id).in_(supplier_ids))
    ).all()
    found: dict[str, list[tuple[str, bool]]] = {}
    for row in sorted(rows, key=lambda r: r.account):
        found.setdefault(row.supplier_id, []).append((row.account, row.confirmed))
    return found


def _layout_fields(session: Any, company_id: str) -> dict[str, set[str]]:
    rows = session.exec(
        select(SupplierLayout.identity, SupplierLayout.field).where(
            SupplierLayout.company_id == company_id
        )
    ).all()
    found: dict[str, set[str]] = {}
    for identity, field in rows:
        found.setdefault(identity, set()).add(field)
    return found


def _fields_of(layouts: dict[str, set[str]], identities: tuple[str | None, ...]) -> list[str]:
    return sorted({f for identity in identities if identity for f in layouts.get(identity, ())})


def _usual_account(session: Any, company_id: str, key: str) -> str | None:
    query = (
        select(PostingHistory.account, func.count())
        .where(PostingHistory.company_id == company_id, PostingHistory.supplier_key == key)
        .group_by(PostingHistory.account)
        .order_by(func.count().desc())
        .limit(1)
    )
    row = session.exec(query).first()
    return row[0] if row else None


@dataclass(frozen=True, slots=True)
class ModelStatus:
    company_id: str
    company_name: str
    history_lines: int
    history_by_source: dict[str, int]
    model_files: list[dict[str, Any]]
    plots: list[Path]


def model_status(ctx: AppContext, *, company_ids: frozenset[str]) -> list[ModelStatus]:
    """History counts per company and whatever model cards/plots lie in the models folder."""
    with session_scope(ctx.engine) as session:
        companies = session.exec(
            select(Company).where(col(Company.id).in_(sorted(company_ids))).order_by(Company.name)
        ).all()
        counts = session.exec(
            select(PostingHistory.company_id, PostingHistory.source, func.count())
            .where(col(PostingHistory.company_id).in_(sorted(company_ids)))
            .group_by(PostingHistory.company_id, PostingHistory.source)
        ).all()
    by_company: dict[str, dict[str, int]] = {}
    for company_id, source, count in counts:
        by_company.setdefault(company_id, {})[source] = count
    result = []
    for company in companies:
        sources = by_company.get(company.id, {})
        cards, plots = _model_files(ctx.settings.models_dir, company)
        result.append(
            ModelStatus(company.id, company.name, sum(sources.values()), sources, cards, plots)
        )
    return result


def _model_files(models_dir: Path, company: Company) -> tuple[list[dict[str, Any]], list[Path]]:
    cards: list[dict[str, Any]] = []
    plots: list[Path] = []
    for folder in (models_dir / company.id, models_dir / company.slug):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.json"))[:20]:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict):
                cards.append({"file": path.name, **data})
        plots += sorted(folder.rglob("*.png"))[:10]
    return cards, plots
