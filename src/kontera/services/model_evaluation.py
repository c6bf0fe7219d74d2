"""Evaluate a company's suggestions on its own history, on request from the models page.

Trains on the oldest 80 % of the history and suggests the newest 20 % (`kontera.suggest.
evaluate`), then leaves `evaluation.json` (the figures) and `evaluation.png` (accuracy against
coverage, reliability) beside the company's model, where the models page shows them.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from kontera.domain.errors import InvalidInput
from kontera.services.context import AppContext
from kontera.services.suggestions import history_lines
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.types import utcnow
from kontera.suggest.evaluate import evaluate
from kontera.suggest.evaluate import plot_accuracy_coverage
from kontera.suggest.model import time_order

MIN_LINES = 20
MAX_LINES = 50_000  # the newest; keeps a request on a big history to seconds


def evaluate_company(ctx: AppContext, *, company_id: str, actor: str) -> dict[str, Any]:
    with session_scope(ctx.engine) as session:
        company = repo.get_company(session, company_id=company_id)
    lines = sorted(history_lines(ctx, company_id), key=time_order)[-MAX_LINES:]
    if len(lines) < MIN_LINES:
        raise InvalidInput(
            f"At least {MIN_LINES} history lines are needed to evaluate; "
            f"{company.name} has {len(lines)}."
        )
    result = evaluate(lines)
    figures = {"evaluated_at": utcnow().isoformat(), "history_lines": len(lines)}
    figures |= result.summary()
    folder = ctx.settings.models_dir / company_id
    folder.mkdir(parents=True, exist_ok=True)
    _atomic_write(folder / "evaluation.json", json.dumps(figures, indent=2).encode())
    plot_accuracy_coverage(result, folder / "evaluation.png", f"{company.name}: suggestions")
    with session_scope(ctx.engine) as session:
        repo.add_event(
            session,
            company_id=company_id,
            document_id=None,
            actor=actor,
            action="model:evaluate",
            detail={"history_lines": len(lines)},
        )
    return figures


def _atomic_write(path: Path, payload: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(payload)
    Path(tmp).replace(path)
