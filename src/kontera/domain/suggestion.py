"""What Kontera proposes for each invoice line, how sure it is, and why."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal
from typing import Any

from kontera.domain.messages import Message


@dataclass(slots=True)
class Candidate:
    account: str
    vat_code: str | None
    probability: float


@dataclass(slots=True)
class LineSuggestion:
    line_index: int
    account: str | None
    vat_code: str | None
    confidence: float
    amount: Decimal | None = None
    description: str | None = None
    alternatives: list[Candidate] = dc_field(default_factory=list)
    reason: str = ""  # English, for the API; `reason_text` says it in the reader's language
    abstained: bool = False
    vat_confidence: float = 0.0  # how sure the VAT code is; 0 with no code (VAT abstained)
    vat_rate_hint: Decimal | None = None  # the VAT rate of a line split from the breakdown
    reason_text: Message | None = None
    # Dimension kind ("department", "project", "cost_centre") → code, each with how sure and
    # why (`kontera.suggest.dimensions`); only the kinds Kontera is sure enough of are set.
    dimensions: dict[str, str] = dc_field(default_factory=dict)
    dimension_confidence: dict[str, float] = dc_field(default_factory=dict)
    dimension_reasons: dict[str, str] = dc_field(default_factory=dict)  # English, for the API
    dimension_reason_texts: dict[str, Message] = dc_field(default_factory=dict)
    # A line that pays for a period, proposed as an accrual (`kontera.domain.accrual`, JSON).
    accrual: dict[str, Any] | None = None

    def explained(self, reason: Message) -> LineSuggestion:
        self.reason, self.reason_text = str(reason), reason
        return self


@dataclass(slots=True)
class Suggestion:
    lines: list[LineSuggestion]
    model: str
    payable_account: str | None = None
    auto_approvable: bool = False
    policy_reason: str = ""
    policy_text: Message | None = None
    voucher_confidence: float = 0.0  # P(read and proposed entirely right), for the policy
    # Fields read with the value people approved on this supplier's last invoices: a reader's
    # doubt about them is settled (`kontera.services.suggest.confirmed_values`).
    confirmed_fields: list[str] = dc_field(default_factory=list)
    # Fields read with another value than the one people approved there, with that value.
    contradicted_fields: dict[str, str] = dc_field(default_factory=dict)

    @property
    def confidence(self) -> float:
        return min((line.confidence for line in self.lines), default=0.0)
