"""Suggest postings from the company's own model, or from its history while it has none.

Each company's model lives in the document store under `models/<company id>/` (skops + JSON
sidecar), so every worker on every host suggests from the same model. It is
retrained after a history import and after every `RETRAIN_EVERY` approvals; training is skipped
when the data has not changed.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import func
from sqlmodel import select

from kontera.domain.errors import KonteraError
from kontera.domain.invoice import Invoice
from kontera.domain.suggestion import Suggestion
from kontera.services.admin.company_money import invoice_rate
from kontera.services.context import AppContext
from kontera.services.suggest.accrual_settings import accrual_settings
from kontera.services.suggest.chart import load_chart
from kontera.services.suggest.ledger_rules import open_accounts
from kontera.services.suggest.ledger_rules import respect_vat
from kontera.services.suggest.ledger_rules import with_ledger
from kontera.services.suggest.supplier_habits import fit_supplier_runs
from kontera.services.suggest.supplier_habits import run_calibration
from kontera.services.suggest.supplier_habits import supplier_habit
from kontera.services.suggest.track_record import supplier_track_record
from kontera.store import repo
from kontera.store.blobs import BlobFolder
from kontera.store.db import session_scope
from kontera.store.tables import Company
from kontera.store.tables import PostingHistory
from kontera.suggest.accruals import propose_accruals
from kontera.suggest.artifact import MODEL_FILE
from kontera.suggest.artifact import SIDECAR_FILE
from kontera.suggest.artifact import ModelInfo
from kontera.suggest.artifact import load_state
from kontera.suggest.baseline import HistoryRow
from kontera.suggest.baseline import SupplierMajority
from kontera.suggest.coldstart import ColdStartModel
from kontera.suggest.history import HistoryLine
from kontera.suggest.model import CompanyModel
from kontera.suggest.persistence import load_company_model
from kontera.suggest.persistence import train_company_model
from kontera.suggest.policy import AMOUNT_MARGIN
from kontera.suggest.policy import EARN_AFTER
from kontera.suggest.policy import HABIT_AFTER
from kontera.suggest.policy import USUAL_MAX_AMOUNT
from kontera.suggest.policy import AutoApprovalPolicy
from kontera.suggest.policy import SupplierEvidence
from kontera.suggest.policy import decide
from kontera.suggest.vat_choice import settle_vat

log = logging.getLogger(__name__)
RETRAIN_EVERY = 25
MIN_LINES_FOR_MODEL = 20
_cache: dict[str, tuple[str, CompanyModel]] = {}
_cache_lock = threading.Lock()


def model_dir(ctx: AppContext, company_id: str) -> BlobFolder:
    return BlobFolder(ctx.blobs, f"models/{company_id}")


def suggest_postings(
    ctx: AppContext,
    session: Session,
    *,
    company: Company,
    invoice: Invoice,
    supplier_key: str | None,
    source_kind: str | None = None,
) -> Suggestion:
    model = _load_model(model_dir(ctx, company.id))
    chart = load_chart(session, company_id=company.id)
    if model is not None:
        suggestion = model.suggest(invoice, supplier_key or "", open_accounts(chart))
    else:
        suggestion = _from_history(session, company, invoice, supplier_key)
        if all(line.abstained for line in suggestion.lines):
            suggestion = _cold_start(ctx, session, company, invoice, supplier_key) or suggestion
    # The ledger decides which accounts are open, the invoice which VAT it calls for, and the
    # ledger again which of those codes the chosen account takes.
    suggestion = with_ledger(session, company.id, chart, suggestion, invoice, supplier_key)
    suggestion = settle_vat(
        suggestion, invoice, company.country, vat_habits(session, company_id=company.id)
    )
    suggestion = respect_vat(chart, suggestion, invoice)
    suggestion.payable_account = "2440" if company.country == "SE" else "2400"
    accruals = accrual_settings(company)
    if accruals["enabled"]:
        suggestion = propose_accruals(suggestion, invoice, accruals["prepaid_account"])
    policy = auto_approval_policy(company)
    evidence = SupplierEvidence(
        track=supplier_track_record(
            session, company_id=company.id, supplier_key=supplier_key, invoices=policy.earn_after
        ),
        habit=supplier_habit(session, company_id=company.id, supplier_key=supplier_key),
        runs=run_calibration(ctx, company.id),
    )
    money = invoice_rate(session, company, invoice)
    return decide(
        policy, invoice, suggestion, source_kind=source_kind, evidence=evidence, money=money
    )


def vat_habits(session: Session, *, company_id: str) -> dict[str, Counter[str]]:
    """How often each account got each VAT code in the company's history."""
    query = (
        select(PostingHistory.account, PostingHistory.vat_code, func.count())
        .where(PostingHistory.company_id == company_id, col(PostingHistory.vat_code).is_not(None))
        .group_by(col(PostingHistory.account), col(PostingHistory.vat_code))
    )
    habits: dict[str, Counter[str]] = {}
    for account, code, count in session.exec(query).all():
        habits.setdefault(account, Counter())[str(code)] += int(count)
    return habits


def _from_history(
    session: Session, company: Company, invoice: Invoice, supplier_key: str | None
) -> Suggestion:
    rows = (
        repo.supplier_history(session, company_id=company.id, supplier_key=supplier_key)
        if supplier_key
        else []
    )
    baseline = SupplierMajority(
        HistoryRow(
            supplier_key=row.supplier_key,
            supplier_name=row.supplier_name or row.supplier_key,
            account=row.account,
            vat_code=row.vat_code,
            description=row.description or "",
        )
        for row in rows
    )
    return baseline.suggest(invoice, supplier_key or "")


def _cold_start(
    ctx: AppContext,
    session: Session,
    company: Company,
    invoice: Invoice,
    supplier_key: str | None,
) -> Suggestion | None:
    """The shipped cross-company model, mapped into the accounts this company has used."""
    classifier = _coldstart_state(ctx.settings.coldstart_model)
    if classifier is None:
        return None
    accounts = session.exec(
        select(PostingHistory.account).where(PostingHistory.company_id == company.id).distinct()
    ).all()
    model = ColdStartModel(classifier, company.chart, dict.fromkeys(accounts))
    return model.suggest(invoice, supplier_key or "")


@functools.cache
def _coldstart_state(directory: Path) -> Any:
    if not (directory / MODEL_FILE).exists():
        return None
    try:
        state, _ = load_state(directory)
    except KonteraError as e:
        log.warning("cold-start model not usable", extra={"why": e.message})
        return None
    return state["classifier"]


def _load_model(folder: BlobFolder) -> CompanyModel | None:
    """The company's model, loaded once per version of it (the sidecar is written last)."""
    version = folder.version(SIDECAR_FILE)
    if version is None:
        return None
    cache_key = str(folder)
    with _cache_lock:
        cached = _cache.get(cache_key)
        if cached and cached[0] == version:
            return cached[1]
    try:
        model = load_company_model(folder)
    except KonteraError as e:
        log.warning("company model not usable", extra={"path": cache_key, "why": e.message})
        return None
    with _cache_lock:
        _cache[cache_key] = (version, model)
    return model


def auto_approval_policy(company: Company) -> AutoApprovalPolicy:
    raw: dict[str, Any] = dict(company.settings.get("auto_approval") or {})
    limit = raw.get("max_amount")
    return AutoApprovalPolicy(
        enabled=bool(raw.get("enabled", False)),
        threshold=float(raw.get("threshold", 0.99)),
        max_amount=_amount(limit),
        allow_suppliers=frozenset(raw.get("allow_suppliers") or ()),
        deny_suppliers=frozenset(raw.get("deny_suppliers") or ()),
        e_invoices_only=bool(raw.get("einvoice_only", raw.get("e_invoices_only", True))),
        earn_after=int(raw.get("earn_after", EARN_AFTER)),
        habit_after=int(raw.get("habit_after", HABIT_AFTER)),
        amount_margin=Decimal(str(raw.get("amount_margin", AMOUNT_MARGIN))),
        usual_max_amount=_amount(raw.get("usual_max_amount", USUAL_MAX_AMOUNT)),
    )


def _amount(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value not in (None, "") else None


def history_lines(ctx: AppContext, company_id: str) -> Iterator[HistoryLine]:
    with session_scope(ctx.engine) as session:
        rows = session.exec(
            select(PostingHistory)
            .where(PostingHistory.company_id == company_id)
            .order_by(col(PostingHistory.id))
        ).all()
    for row in rows:
        yield HistoryLine(
            account=row.account,
            date=row.entry_date,
            supplier_id=row.supplier_id,
            supplier_name=row.supplier_name,
            supplier_org_number=_org_of(row.supplier_key) or row.supplier_org_number,
            description=row.description or "",
            amount=row.amount,
            currency=row.currency,
            vat_code=row.vat_code,
            department=row.department,
            project=row.project,
            cost_centre=row.cost_centre,
            buyer_reference=row.buyer_reference,
            order_reference=row.order_reference,
        )


def _org_of(key: str) -> str | None:
    return key[4:] if key.startswith("org:") else None


def train_company(ctx: AppContext, company_id: str, *, force: bool = False) -> ModelInfo | None:
    """(Re)train the company's model from all its history; None while history is too thin."""
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=company_id)
    lines = list(history_lines(ctx, company_id))
    if len(lines) < MIN_LINES_FOR_MODEL:
        return None
    info = train_company_model(
        lines, chart=company.chart, out_dir=model_dir(ctx, company_id), force=force
    )
    fit_supplier_runs(ctx, company_id, lines)
    with session_scope(ctx.engine) as session:
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor="trainer",
            action="model:skipped" if info.skipped else "model:trained",
            detail={"lines": info.n_lines, "data_hash": info.data_hash, "metrics": info.metrics},
        )
    return info


def approvals_since_training(ctx: AppContext, company_id: str) -> int:
    with session_scope(ctx.engine) as session:
        count = session.exec(
            select(func.count())
            .select_from(PostingHistory)
            .where(PostingHistory.company_id == company_id, PostingHistory.source == "approval")
        ).one()
    return int(count)


def should_retrain(ctx: AppContext, company_id: str) -> bool:
    approvals = approvals_since_training(ctx, company_id)
    return approvals > 0 and approvals % RETRAIN_EVERY == 0
