"""CompanyModel ⇄ plain state for skops, and the train/load entry points services call."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from kontera.domain.messages import msg
from kontera.suggest.artifact import ModelFolder
from kontera.suggest.artifact import ModelIncompatible
from kontera.suggest.artifact import ModelInfo
from kontera.suggest.artifact import data_hash
from kontera.suggest.artifact import info_from_sidecar
from kontera.suggest.artifact import is_current
from kontera.suggest.artifact import load_state
from kontera.suggest.artifact import read_sidecar
from kontera.suggest.artifact import save_state
from kontera.suggest.dimensions import DimensionModel
from kontera.suggest.evidence import Association
from kontera.suggest.evidence import Evidence
from kontera.suggest.evidence import Table
from kontera.suggest.history import HistoryLine
from kontera.suggest.model import CompanyModel
from kontera.suggest.training import Fitted
from kontera.suggest.vat import VatHabits


def train_company_model(
    lines: Iterable[HistoryLine],
    *,
    chart: str,
    out_dir: Path | ModelFolder,
    vat_code_map: Mapping[str, str] | None = None,
    force: bool = False,
) -> ModelInfo:
    """Train and save; skipped (ModelInfo.skipped) when the same data was already trained."""
    history = list(lines)
    fingerprint = data_hash(history)
    if not force and is_current(out_dir, fingerprint):
        sidecar = read_sidecar(out_dir) or {}
        return info_from_sidecar(out_dir, sidecar, skipped=True)
    model = CompanyModel.train(history, chart=chart, vat_code_map=vat_code_map)
    metrics = {
        "candidate_recall": model.fitted.candidate_recall,
        "n_accounts": len(model.accounts),
        "n_suppliers": len(model.fitted.evidence.supplier.index),
    }
    sidecar = {
        "data_hash": fingerprint,
        "n_lines": len(history),
        "chart": chart,
        "metrics": metrics,
    }
    return save_state(model_to_state(model), out_dir, sidecar)


def refresh_company_model(
    lines: Iterable[HistoryLine], *, out_dir: Path | ModelFolder
) -> ModelInfo:
    """After approvals: recount the saved model's evidence from the whole history (seconds),
    keeping its ranker and calibrator, and save it under the new data hash."""
    history = list(lines)
    fingerprint = data_hash(history)
    if is_current(out_dir, fingerprint):
        return info_from_sidecar(out_dir, read_sidecar(out_dir) or {}, skipped=True)
    state, sidecar = load_state(out_dir)
    model = model_from_state(state).refresh(history)
    updated = {**sidecar, "data_hash": fingerprint, "n_lines": len(history), "refreshed": True}
    return save_state(model_to_state(model), out_dir, updated)


def load_company_model(path: Path | ModelFolder) -> CompanyModel:
    """Load from a model folder (or a model.skops on disk); refuses other versions."""
    if isinstance(path, Path) and path.suffix == ".skops":
        path = path.parent
    state, _ = load_state(path)
    return model_from_state(state)


def model_to_state(model: CompanyModel) -> dict[str, Any]:
    evidence = model.fitted.evidence
    return {
        "accounts": list(model.accounts),
        "account_names": dict(model.account_names),
        "supplier_names": dict(model.supplier_names),
        "chart": model.chart,
        "abstain_below": float(model.abstain_below),
        "evidence": {f.name: _plain(getattr(evidence, f.name)) for f in fields(Evidence)},
        "ranker": model.fitted.ranker,
        "calibrator": model.fitted.calibrator,
        "candidate_recall": float(model.fitted.candidate_recall),
        "vat_by_account": {a: dict(c) for a, c in model.vat.by_account.items()},
        "vat_to_standard": dict(model.vat.to_standard),
        "aliases": dict(model.aliases),
        "dimensions": model.dimensions.to_json() if model.dimensions else "",
    }


def model_from_state(state: Mapping[str, Any]) -> CompanyModel:
    try:
        evidence = _evidence(state["evidence"])
        fitted = Fitted(
            evidence, state["ranker"], state["calibrator"], float(state["candidate_recall"])
        )
        vat = VatHabits(
            {a: Counter(c) for a, c in state["vat_by_account"].items()},
            dict(state["vat_to_standard"]),
        )
        return CompanyModel(
            accounts=list(state["accounts"]),
            account_names=dict(state["account_names"]),
            supplier_names=dict(state["supplier_names"]),
            fitted=fitted,
            vat=vat,
            aliases=dict(state["aliases"]),
            chart=str(state["chart"]),
            abstain_below=float(state["abstain_below"]),
            dimensions=_dimensions(state.get("dimensions")),
        )
    except (KeyError, TypeError) as e:
        raise ModelIncompatible(msg("the model file is missing {e}; retrain it", e=str(e))) from e


def _evidence(raw: Mapping[str, Any]) -> Evidence:
    return Evidence(
        n_accounts=int(raw["n_accounts"]),
        newest=int(raw["newest"]),
        prior=raw["prior"],
        supplier=Table(**raw["supplier"]),
        recent=Table(**raw["recent"]),
        latest=Table(**raw["latest"]),
        recent_prior=raw["recent_prior"],
        log_amount_sum=raw["log_amount_sum"],
        last_account=raw["last_account"],
        supplier_bin=Table(**raw["supplier_bin"]),
        supplier_exact=Table(**raw["supplier_exact"]),
        text=Association(**raw["text"]),
        name=Association(**raw["name"]),
        pair_last=raw["pair_last"],
        account_last=raw["account_last"],
        supplier_month=Table(**raw["supplier_month"]),
        supplier_text=Table(**raw["supplier_text"]),
    )


def _dimensions(saved: Any) -> DimensionModel | None:
    """Models saved before dimensions were learnt have none until they are retrained."""
    return DimensionModel.from_json(saved) if isinstance(saved, str) and saved else None


def _plain(value: Any) -> Any:
    if isinstance(value, Table):
        return {"index": dict(value.index), "counts": value.counts, "totals": value.totals}
    if isinstance(value, Association):
        return {"log_ratio": value.log_ratio, "class_bias": value.class_bias}
    return value
