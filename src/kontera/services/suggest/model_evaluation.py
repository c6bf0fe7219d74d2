"""Evaluate a company's suggestions on its own history, on request from the models page.

Trains on the oldest 80 % of the history and suggests the newest 20 % (`kontera.suggest.
evaluate`), then leaves `evaluation.json` (the figures) and `evaluation.png` (accuracy against
coverage, reliability) beside the company's model, where the models page shows them.
"""

from __future__ import annotations

import io
import json
from typing import Any

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg
from kontera.services.context import AppContext
from kontera.services.suggest.suggestions import history_lines
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
            msg(
                "At least {MIN_LINES} history lines are needed to evaluate; {name} has {lines}.",
                MIN_LINES=MIN_LINES,
                name=company.name,
                lines=len(lines),
            )
        )
    result = evaluate(lines)
    figures = {"evaluated_at": utcnow().isoformat(), "history_lines": len(lines)}
    figures |= result.summary()
    plot = io.BytesIO()
    plot_accuracy_coverage(result, plot, f"{company.name}: suggestions")
    ctx.blobs.write(f"models/{company_id}/evaluation.png", plot.getvalue())
    ctx.blobs.write(f"models/{company_id}/evaluation.json", json.dumps(figures, indent=2).encode())
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
