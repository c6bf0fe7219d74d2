"""A posting line's department, project and cost centre as the review page shows them."""

from __future__ import annotations

from typing import Any


def dimension_parts(line: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """The line's dimensions, and confidence and reason for those still as suggested."""
    dimensions = {k: str(v) for k, v in (line.get("dimensions") or {}).items() if v}
    suggested = hint.get("dimensions") or {}
    same = [k for k, v in dimensions.items() if suggested.get(k) == v]
    reasons = hint.get("dimension_reason_texts") or hint.get("dimension_reasons") or {}
    confidence = hint.get("dimension_confidence") or {}
    return {
        "dimensions": dimensions,
        "dimension_confidence": {k: float(confidence[k]) for k in same if k in confidence},
        "dimension_reasons": {k: reasons[k] for k in same if k in reasons},
    }
