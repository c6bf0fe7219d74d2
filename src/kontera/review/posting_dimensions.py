"""A posting line's department, project and cost centre as the review page shows them."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any


@dataclass(frozen=True, slots=True)
class LineDimensions:
    """Kind → code on the line; for those still as suggested, how sure and why."""

    codes: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, Any] = field(default_factory=dict)

    def get(self, kind: str) -> str | None:
        return self.codes.get(kind)

    def items(self) -> list[tuple[str, str]]:
        return list(self.codes.items())


def line_dimensions(line: dict[str, Any], hint: dict[str, Any]) -> LineDimensions:
    """The line's dimensions (`line`: approved or suggested), with the suggestion's (`hint`)
    confidence and reason for each code the person has not changed."""
    codes = {k: str(v) for k, v in (line.get("dimensions") or {}).items() if v}
    suggested = hint.get("dimensions") or {}
    same = [k for k, v in codes.items() if suggested.get(k) == v]
    reasons = hint.get("dimension_reason_texts") or hint.get("dimension_reasons") or {}
    confidence = hint.get("dimension_confidence") or {}
    return LineDimensions(
        codes,
        {k: float(confidence[k]) for k in same if k in confidence},
        {k: reasons[k] for k in same if k in reasons},
    )
